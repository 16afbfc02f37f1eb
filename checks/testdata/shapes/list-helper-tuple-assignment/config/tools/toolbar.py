import os


def toolbar_wanted():
    return os.environ.get("TOOLBAR") == "on"


class Toolbar:
    """Adds the debug toolbar where it is wanted."""

    @staticmethod
    def configure(installed_apps, middleware, position=None):
        if not toolbar_wanted():
            return installed_apps, middleware

        installed_apps = installed_apps + ["debug_toolbar"]
        if position is None:
            middleware = middleware + ["debug_toolbar.middleware.DebugToolbarMiddleware"]
        else:
            copied = middleware[:]
            copied.insert(position, "debug_toolbar.middleware.DebugToolbarMiddleware")
            middleware = copied
        return installed_apps, middleware
