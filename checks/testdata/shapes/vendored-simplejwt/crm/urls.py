from django.urls import path

from crm.tokens.views import obtain

urlpatterns = [path("token/", obtain)]
