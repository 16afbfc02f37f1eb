"""URL configuration for mysite project."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    # A non-obvious admin path keeps drive-by login attempts down; django-axes
    # locks out whoever keeps trying.
    path("manage-7f3c/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
]
