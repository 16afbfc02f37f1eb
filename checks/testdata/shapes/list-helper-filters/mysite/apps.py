def installed(apps, middleware):
    # Operators may switch parts off through the environment.
    apps = [a for a in apps if a not in disabled()]
    middleware = [m for m in middleware if m not in disabled()]
    return apps, middleware


def disabled():
    import os

    return os.environ.get("DISABLED", "").split(",")
