import contextlib
import os

SECRET_KEY = os.environ["PORTAL_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["portal.example.org"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
]

with contextlib.suppress(ImportError):
    from .override_settings import *  # noqa: F403
