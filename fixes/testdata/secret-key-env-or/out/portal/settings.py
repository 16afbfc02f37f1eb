import os

SECRET_KEY = os.environ["SITE_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["www.example.com"]
ROOT_URLCONF = "portal.urls"
