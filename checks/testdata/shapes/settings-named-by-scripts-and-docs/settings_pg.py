from settings import *

DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop_ci", "USER": "postgres"}}
DEBUG = True
