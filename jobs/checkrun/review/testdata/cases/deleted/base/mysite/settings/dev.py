"""Local development."""

from .base import *  # noqa: F403

DEBUG = True

SECRET_KEY = "django-insecure-dev-only-0q9w8e7r6t5y4u3i2o1p"
