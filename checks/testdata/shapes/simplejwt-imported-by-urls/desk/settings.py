import os
from datetime import timedelta

SECRET_KEY = os.environ["DESK_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["desk.example.org"]
INSTALLED_APPS = ["django.contrib.auth", "rest_framework"]
ROOT_URLCONF = "desk.urls"
SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(minutes=10)}
