"""Token settings, adapted from djangorestframework-simplejwt:

    from rest_framework_simplejwt.settings import api_settings
"""
from django.conf import settings

DEFAULTS = {"ROTATE_REFRESH_TOKENS": True, "BLACKLIST_AFTER_ROTATION": True}
USER_SETTINGS = getattr(settings, "SIMPLE_JWT", None) or {}
