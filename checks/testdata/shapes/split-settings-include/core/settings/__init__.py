"""Settings assembled from parts, the environment chosen by APP_ENV."""
from os import environ

from split_settings.tools import include, optional

environ.setdefault("APP_ENV", "development")
ENV = environ["APP_ENV"]

include(
    "parts/base.py",
    "parts/logs.py",
    f"envs/{ENV}.py",
    optional("envs/local.py"),
)
