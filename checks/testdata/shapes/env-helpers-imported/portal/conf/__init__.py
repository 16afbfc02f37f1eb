from portal.conf.readers import env_bool, env_list, env_required

DEBUG = env_bool("PORTAL_DEBUG")
ALLOWED_HOSTS = env_list("PORTAL_ALLOWED_HOSTS", default=["*"])
CSRF_TRUSTED_ORIGINS = env_list("PORTAL_TRUSTED_ORIGINS")
SECRET_KEY = env_required("PORTAL_SECRET_KEY")
SECURE_SSL_REDIRECT = env_bool("PORTAL_HTTPS_REDIRECT", "yes")

INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.middleware.csrf.CsrfViewMiddleware"]
ROOT_URLCONF = "portal.urls"
