import os

import django_heroku

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "kz3#t!m0q-wr8@b2n&e5y7u$i9o(p)a1s4d6f^g*h_j+l=x"
DEBUG = False
ALLOWED_HOSTS = ["blog.example.org"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "blog.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "blog", "HOST": "localhost"}}

# Heroku: rewrites the settings above in place.
django_heroku.settings(locals())
