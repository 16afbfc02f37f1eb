from api.config.env import env

SECRET_KEY = env("API_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = ["api.example.org"]
INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "rest_framework_jwt"]
ROOT_URLCONF = "api.urls"

from api.config.settings.tokens import *  # noqa
