from datetime import timedelta

from django.conf import settings
from django.test.signals import setting_changed

USER_SETTINGS = getattr(settings, "TOKENS", None)

DEFAULTS = {
    "ACCESS_LIFETIME": timedelta(minutes=5),
    "REFRESH_LIFETIME": timedelta(days=1),
    "ROTATE": True,
    "SIGNING_KEY": settings.SECRET_KEY,
}


class TokenSettings:
    def __init__(self, user_settings=None, defaults=None):
        self._user = user_settings or {}
        self._defaults = defaults or DEFAULTS

    def __getattr__(self, name):
        return self._user.get(name, self._defaults[name])


api_settings = TokenSettings(USER_SETTINGS, DEFAULTS)


def reload_api_settings(*args, **kwargs):
    global api_settings
    if kwargs["setting"] == "TOKENS":
        api_settings = TokenSettings(kwargs["value"], DEFAULTS)


setting_changed.connect(reload_api_settings)
