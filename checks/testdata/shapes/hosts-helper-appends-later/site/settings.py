import os

SECRET_KEY = os.environ["SITE_SECRET_KEY"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
ALLOWED_HOSTS = os.environ.get("SITE_HOSTS", "*").split(",")
CSRF_TRUSTED_ORIGINS = []


def _public_url():
    global ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS
    url = os.getenv("SITE_URL")
    if url:
        CSRF_TRUSTED_ORIGINS.append(url)
        ALLOWED_HOSTS.append(url.split("//")[1])
    return url


SITE_URL = _public_url()
