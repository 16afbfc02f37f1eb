import os

import dj_database_url

SECRET_KEY = os.environ["APP_SECRET_KEY"]
INSTALLED_APPS = ["django.contrib.auth"]
PG_USER = os.getenv("PG_USER", "postgres")
PG_PASSWORD = os.getenv("PG_PASSWORD", "")
PG_HOST = os.getenv("PG_HOST", "localhost")
DATABASES = {"default": dj_database_url.config(default=f"postgres://{PG_USER}:{PG_PASSWORD}@{PG_HOST}:5432/app")}
