import os

SECRET_KEY = os.environ["APP_SECRET_KEY"]
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = ["shop.example.org"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = ["django.contrib.auth"]

if "DATABASE_URL" in os.environ:
    DATABASE_URL = os.environ["DATABASE_URL"]

if os.environ.get("SENTRY_DSN"):
    SENTRY = {"dsn": os.environ["SENTRY_DSN"], "env": os.environ["SENTRY_ENV"]}

EMAIL_STRATEGY = pick_strategy(os.environ.get("EMAIL_STRATEGY", "console"))
if EMAIL_STRATEGY == "smtp":
    EMAIL_HOST = os.environ["SMTP_HOST"]
elif EMAIL_STRATEGY == "relay":
    EMAIL_HOST = os.environ["RELAY_HOST"]
else:
    EMAIL_HOST_PASSWORD = os.environ["SMTP_PASSWORD"] if os.getenv("SMTP_USER") else ""
