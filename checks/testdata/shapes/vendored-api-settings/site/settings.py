import os
from datetime import timedelta

SECRET_KEY = os.environ["SITE_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["accounts.example.org"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions", "accounts.tokens"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
TOKENS = {"ACCESS_LIFETIME": timedelta(minutes=10)}
