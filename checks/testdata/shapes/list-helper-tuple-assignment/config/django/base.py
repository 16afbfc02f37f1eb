import os

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = os.environ.get("DEBUG", "") == "1"
ALLOWED_HOSTS = ["api.example.org"]
ROOT_URLCONF = "config.urls"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.sessions",
    "rest_framework",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "100/hour"},
}

from config.tools.tracing import with_tracing  # noqa: E402
from config.tools.toolbar import Toolbar  # noqa: E402

INSTALLED_APPS, MIDDLEWARE = with_tracing(INSTALLED_APPS, MIDDLEWARE)
INSTALLED_APPS, MIDDLEWARE = Toolbar.configure(INSTALLED_APPS, MIDDLEWARE)
