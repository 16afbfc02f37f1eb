import os

from .common import *

SECRET_KEY = os.environ["WEB_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["www.example.org"]
SECURE_SSL_REDIRECT = True
