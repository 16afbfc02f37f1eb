import os

DEBUG = False
ALLOWED_HOSTS = ["bakery.example.org"]
ROOT_URLCONF = "mysite.urls"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
]
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    INSTALLED_APPS.append("django.contrib.postgres")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
if "CSP_ENABLED" in os.environ:
    MIDDLEWARE += ["csp.middleware.CSPMiddleware"]
