import os

DEBUG = os.environ.get("CLUB_DEBUG", "yes") != "no"
SECRET_KEY = "local-only" if DEBUG else os.environ["CLUB_SECRET_KEY"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
SECURE_SSL_REDIRECT = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = True
