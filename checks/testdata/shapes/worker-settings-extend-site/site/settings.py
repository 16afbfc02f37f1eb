import os

SECRET_KEY = os.environ["SITE_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["reading.example.org"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
