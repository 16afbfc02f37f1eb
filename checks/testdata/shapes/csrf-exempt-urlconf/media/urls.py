from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView

from . import views

urlpatterns = [
    path("upload/", csrf_exempt(views.Upload.as_view())),
    path("import/", csrf_exempt(views.import_archive)),
    path("graphql/", csrf_exempt(GraphQLView.as_view(graphiql=True))),
]
