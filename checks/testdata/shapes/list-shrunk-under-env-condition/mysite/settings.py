import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["shop.example.org"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
# Behind a proxy that sets the headers itself, the app drops the middleware:
# whether SecurityMiddleware runs depends on the deployment.
if os.environ.get("BEHIND_PROXY"):
    MIDDLEWARE.remove("django.middleware.security.SecurityMiddleware")
MIDDLEWARE.append("whitenoise.middleware.WhiteNoiseMiddleware")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
