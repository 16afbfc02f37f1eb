import os

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["shop.example.org"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
SECURE_HSTS_SECONDS = 31536000
SESSION_COOKIE_SECURE = (
    os.environ.get("COOKIE_SECURE", "1") == "1"
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
