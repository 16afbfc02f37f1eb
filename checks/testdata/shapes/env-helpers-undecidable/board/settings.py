import os


def debug_default(name):
    # Which deployment this is decides: djsec does not guess.
    if os.environ.get("BOARD_ENVIRONMENT") == "production":
        return False
    return os.environ.get(name, "1") == "1"


def first_set(*names, default=None):
    for name in names:
        if os.getenv(name):
            return os.getenv(name)
    return default


def remember(name):
    global SEEN
    SEEN = name
    return os.getenv(name, "*")


DEBUG = debug_default("BOARD_DEBUG")
SECRET_KEY = first_set("BOARD_SECRET_KEY", "SECRET_KEY", default="board-fallback-key")
ALLOWED_HOSTS = [remember("BOARD_HOST")]
DEBUG_PROPAGATE_EXCEPTIONS = load_flag("BOARD_PROPAGATE", "True")

INSTALLED_APPS = ["django.contrib.auth"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
ROOT_URLCONF = "board.urls"
