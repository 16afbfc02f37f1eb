import os

DEBUG = False
SECRET_KEY = os.environ["SHOP_SECRET_KEY"]
JWT_PRIVATE_KEY = os.environ["JWT_PRIVATE_KEY"]
ALLOWED_HOSTS = ["shop.example.org"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions", "shop"]
