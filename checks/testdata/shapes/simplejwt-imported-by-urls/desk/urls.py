from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView

urlpatterns = [path("api/token/", TokenObtainPairView.as_view())]
