import json
import os
from pathlib import Path

DATA_DIR = Path(os.environ.get("APP_DATA_DIR", "/srv/app"))
SECRETS_FILE = DATA_DIR / "conf" / "secrets.json"

try:
    with SECRETS_FILE.open() as handle:
        SECRETS = json.load(handle)
except OSError:
    SECRETS = {
        "secret_key": "x",
        "db_password": "",
    }

SECRET_KEY = str(SECRETS["secret_key"])
DEBUG = False
ALLOWED_HOSTS = ["www.example.org"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "app",
        "PASSWORD": SECRETS.get("db_password", ""),
    }
}
