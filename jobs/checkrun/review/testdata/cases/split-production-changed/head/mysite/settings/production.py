"""Production settings: base plus what differs in production."""

from .base import *  # noqa: F403

# DEBUG comes from base.py now.
