import json
import os

from django.core.exceptions import ImproperlyConfigured

try:
    with open(os.environ.get("SECRETS_FILE", "/run/secrets/app.json")) as f:
        SECRETS = json.load(f)
except FileNotFoundError as exc:
    raise ImproperlyConfigured("the secrets file is missing") from exc

SECRET_KEY = SECRETS["secret_key"]
DEBUG = False
ALLOWED_HOSTS = ["www.example.org"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = ["django.contrib.auth"]
