import os
from pathlib import Path


def from_env_or_file(name, default=None):
    """The variable's value, or the contents of the file NAME_PATH names."""
    secret_file = os.environ.get(name + "_PATH")
    if secret_file:
        return Path(secret_file).read_text().strip()
    return os.environ.get(name, default)


SECRET_KEY = from_env_or_file("SITE_KEY")
DEBUG = False
ALLOWED_HOSTS = ["www.example.com"]
ROOT_URLCONF = "portal.urls"
