from site.settings import *

INSTALLED_APPS += ["django_celery_beat"]
CELERY_BROKER_URL = "redis://redis:6379/0"
