import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["status.example.org"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
SECURE_SSL_REDIRECT = True

if os.path.isfile(os.path.join(BASE_DIR, "mysite", "local_settings.py")):
    from mysite.local_settings import *  # noqa

if os.path.isfile(os.path.join(BASE_DIR, "mysite", "hardening.py")):
    from mysite.hardening import *  # noqa
