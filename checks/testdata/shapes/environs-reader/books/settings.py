from environs import FileAwareEnv

env = FileAwareEnv()
env.read_env()

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["*"])
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": env("POSTGRES_DB", "books"),
        "USER": env("POSTGRES_USER", "books"),
        "PASSWORD": env("POSTGRES_PASSWORD", "books-db-pass-91"),
        "HOST": env("POSTGRES_HOST", "db.internal.example"),
    }
}
