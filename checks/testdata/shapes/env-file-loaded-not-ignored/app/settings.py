import os

from dotenv import load_dotenv

load_dotenv()
SECRET_KEY = os.environ["APP_SECRET_KEY"]
DEBUG = False
INSTALLED_APPS = ["django.contrib.auth"]
