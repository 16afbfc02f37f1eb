import os

SECRET_KEY = os.environ["CMS_SECRET_KEY"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.sessions",
    "rest_framework",
    "pagebuilder.api",
]
