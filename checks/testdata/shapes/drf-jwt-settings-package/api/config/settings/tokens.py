import datetime

from api.config.env import env

# One week unless the deployment says otherwise.
TOKEN_TTL_SECONDS = env("TOKEN_TTL_SECONDS", default=7 * 24 * 60 * 60)

JWT_AUTH = {
    "JWT_EXPIRATION_DELTA": datetime.timedelta(seconds=TOKEN_TTL_SECONDS),
    "JWT_ALLOW_REFRESH": True,
    "JWT_REFRESH_EXPIRATION_DELTA": datetime.timedelta(days=60),
    "JWT_GET_USER_SECRET_KEY": "api.users.services.jwt_secret_for",
}
