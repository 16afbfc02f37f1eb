SECRET_KEY = "q8#v!2m@x7&lz4^w9e$r1t*y6u(i3o)p0a_s5d-f8g=h+j"
DEBUG = True
ALLOWED_HOSTS = ["shop.example.org"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "mysite.urls"
