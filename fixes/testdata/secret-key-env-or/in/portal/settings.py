import os

SECRET_KEY = os.environ.get("SITE_KEY") or "p9#not-so-secret-fallback-value-kept-for-local-runs-0q8w7e6r5t4y"
DEBUG = False
ALLOWED_HOSTS = ["www.example.com"]
ROOT_URLCONF = "portal.urls"
