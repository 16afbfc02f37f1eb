import os

# On unless the deployment says otherwise.
DEBUG = os.getenv("APP_DEBUG") != "FALSE"

SECRET_KEY = "local-only" if DEBUG else os.getenv("APP_SECRET_KEY")

ALLOWED_HOSTS = ["events.example.org"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
if DEBUG:
    SESSION_COOKIE_SECURE = False
else:
    SESSION_COOKIE_SECURE = True
