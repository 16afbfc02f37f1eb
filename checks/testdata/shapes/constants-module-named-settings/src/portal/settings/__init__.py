import os

SECRET_KEY = os.environ["PORTAL_SECRET_KEY"]
DEBUG = os.environ.get("PORTAL_DEBUG", "false").lower() == "true"
ALLOWED_HOSTS = os.environ.get("PORTAL_HOSTS", "localhost").split(",")
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions", "archive"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
SECURE_SSL_REDIRECT = True
