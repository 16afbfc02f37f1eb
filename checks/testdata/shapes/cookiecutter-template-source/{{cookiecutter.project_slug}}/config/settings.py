"""Settings of {{ cookiecutter.project_name }}."""
import environ

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="{{ cookiecutter.secret_key }}")
DEBUG = env.bool("DJANGO_DEBUG", False)
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.sessions",
{%- if cookiecutter.use_celery == "y" %}
    "django_celery_beat",
{%- endif %}
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
]
