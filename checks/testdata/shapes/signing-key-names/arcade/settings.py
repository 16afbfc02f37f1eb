import os

SECRET_KEY = os.environ["ARCADE_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["arcade.example.org"]
INSTALLED_APPS = ["django.contrib.auth", "games"]
ROOT_URLCONF = "arcade.urls"

SECRET_TOKEN_COOKIE_KEY = "ARCADE"
SCORE_HMAC_KEY = "scores-2024"
BADGE_SIGNER = "badges!"

# Browser keys and key names: public by design.
GOOGLE_MAPS_API_KEY = "AIzaSyB7x8c9v0b1n2m3q4w5e6r7t8y9u0i1o2p"
MAPBOX_ACCESS_TOKEN = "pk.eyJ1IjoiYXJjYWRlIiwiYSI6ImNrMSJ9.Zx9"
SIGNING_KEY_ID = "2024-06"
CACHE_KEY = "arcade"
JWT_HANDLER_SECRET_KEY = "games.auth.secret_for_user"
