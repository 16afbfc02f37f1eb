import os

SECRET_KEY = os.environ["SITE_SECRET_KEY"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions", "accounts"]
