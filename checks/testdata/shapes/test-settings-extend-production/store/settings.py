import os


def flag(name, default):
    return os.environ.get(name, str(default)).lower() in ("1", "true", "yes")


DEBUG = flag("DEBUG", True)
SECRET_KEY = os.environ["STORE_SECRET_KEY"]
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions", "store"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
