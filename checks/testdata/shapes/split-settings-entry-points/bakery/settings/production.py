import os

from .base import *

DEBUG = os.environ.get("BAKERY_DEBUG", "off") == "on"
SECRET_KEY = os.environ["BAKERY_SECRET_KEY"]
ALLOWED_HOSTS = os.environ.get("BAKERY_HOSTS", "bakery.example.com").split(",")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
