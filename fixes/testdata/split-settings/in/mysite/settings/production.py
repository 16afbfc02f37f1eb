"""Production: everything secret comes from the environment."""

import os

from .base import *  # noqa: F403

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]

# Behind a load balancer that checks the Host header itself... or so the
# comment says. djsec reports the wildcard anyway.
ALLOWED_HOSTS = ["*"]

SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# HSTS was turned on for a week and never raised.
SECURE_HSTS_SECONDS = 3600
