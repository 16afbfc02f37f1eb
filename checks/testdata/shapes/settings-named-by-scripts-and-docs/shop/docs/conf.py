import os
import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings_docs")
django.setup()
project = "shop"
