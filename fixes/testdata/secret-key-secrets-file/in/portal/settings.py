import json
import os
from pathlib import Path

CONF_DIR = Path(os.environ.get("SITE_CONF_DIR", "/etc/site"))

try:
    with open(CONF_DIR / "secrets.json") as fh:
        SECRETS = json.load(fh)
except FileNotFoundError:
    SECRETS = {"django_key": "p9#not-so-secret-fallback-value-kept-for-local-runs-0q8w7e6r5t4y"}

SECRET_KEY = SECRETS["django_key"]
DEBUG = False
ALLOWED_HOSTS = ["www.example.com"]
ROOT_URLCONF = "portal.urls"
