import os

from .base import *  # noqa

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]

MIDDLEWARE.append("whitenoise.middleware.WhiteNoiseMiddleware")

if "S3_BUCKET" in os.environ:
    INSTALLED_APPS.append("storages")

if os.environ.get("GATE_ENABLED", "no").lower() == "yes":
    # A gate in front of everything, first in line.
    MIDDLEWARE.insert(0, "gate.middleware.GateMiddleware")

if os.getenv("EXTRA_MIDDLEWARE"):
    MIDDLEWARE.extend(os.environ["EXTRA_MIDDLEWARE"].split(","))

SECURE_SSL_REDIRECT = True
ONE_MONTH = 30 * 24 * 60 * 60
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", ONE_MONTH))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
