import os
from pathlib import Path


def env_flag(name: str, default: str) -> bool:
    value = os.getenv(name, default=default)
    if value not in ("", "True", "False"):
        raise ValueError(name + " must be True or False")
    return value == "True"


def env_secret(name, default=None):
    """The value of NAME, or of the file NAME_FILE points to."""
    path = os.getenv(name + "_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.getenv(name, default)


def env_hosts(name, fallback=""):
    return [h.strip() for h in os.environ.get(name, fallback).split(",") if h.strip()]


SECRET_KEY = env_secret("SHOP_SECRET_KEY", "not-so-secret-fallback-key")
DEBUG = env_flag("SHOP_DEBUG", "True")
ALLOWED_HOSTS = env_hosts("SHOP_HOSTS", "*")
SESSION_COOKIE_SECURE = env_flag("SHOP_SECURE_COOKIES", "True")
EMAIL_HOST_PASSWORD = env_secret("SHOP_SMTP_PASSWORD")

INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "shop.urls"
