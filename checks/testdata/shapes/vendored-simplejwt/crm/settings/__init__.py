import os
from datetime import timedelta

SECRET_KEY = os.environ["CRM_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["crm.example.org"]
INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "crm.tokens"]
ROOT_URLCONF = "crm.urls"

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(hours=12),
}
