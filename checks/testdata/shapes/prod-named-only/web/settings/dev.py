from .common import *

SECRET_KEY = "dev"
DEBUG = True
ALLOWED_HOSTS = ["*"]
