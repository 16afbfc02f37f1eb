import os


def setting(name, fallback):
    """Read a setting from the environment, with a value for local runs."""
    return os.environ.get(name, fallback)


SECRET_KEY = setting("SITE_KEY", "p9#not-so-secret-fallback-value-kept-for-local-runs-0q8w7e6r5t4y")
DEBUG = False
ALLOWED_HOSTS = ["www.example.com"]
ROOT_URLCONF = "portal.urls"
