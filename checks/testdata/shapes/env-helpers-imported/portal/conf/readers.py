import os


def _truthy(text):
    text = text.strip().lower()
    if text in ("1", "y", "yes", "true", "on"):
        return True
    if text in ("0", "n", "no", "false", "off"):
        return False
    raise ValueError(text)


def env_bool(key, default="no"):
    return _truthy(os.getenv(key, default))


def env_list(key, separator=",", default=None, *, strip=True):
    raw = os.environ.get(key)
    if raw:
        items = raw.split(separator)
        if strip:
            items = [i.strip() for i in items]
        return items
    elif default is not None:
        return default
    return []


def env_required(key):
    if key not in os.environ:
        raise RuntimeError(key + " must be set")
    return os.environ[key]
