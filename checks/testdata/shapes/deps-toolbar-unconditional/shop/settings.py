import os

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.sessions",
    "debug_toolbar",
]
MIDDLEWARE = [
    "debug_toolbar.middleware.DebugToolbarMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
]
INTERNAL_IPS = ["10.0.0.0/8"]
