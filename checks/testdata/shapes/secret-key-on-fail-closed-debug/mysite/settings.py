import os

DEBUG = os.getenv("APP_DEBUG") == "TRUE"

SECRET_KEY = "local-only" if DEBUG else os.environ["APP_SECRET_KEY"]

ALLOWED_HOSTS = ["events.example.org"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
SESSION_COOKIE_SECURE = not DEBUG
