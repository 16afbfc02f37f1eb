from .common import *  # noqa

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
