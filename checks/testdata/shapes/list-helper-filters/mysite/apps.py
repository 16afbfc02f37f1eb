def installed(apps, middleware):
    # Operators may switch parts off in a file on the server.
    apps = [a for a in apps if a not in disabled()]
    middleware = [m for m in middleware if m not in disabled()]
    return apps, middleware


def disabled():
    with open("/etc/shop/disabled.txt") as f:
        return f.read().split()
