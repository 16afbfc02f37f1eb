import os

from .common import *

DEBUG = os.getenv("BOARD_DEBUG", "False") == "True"
SECRET_KEY = os.getenv("BOARD_SECRET_KEY")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.getenv("POSTGRES_DB"),
        "PASSWORD": os.getenv("POSTGRES_PASSWORD"),
    }
}
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
