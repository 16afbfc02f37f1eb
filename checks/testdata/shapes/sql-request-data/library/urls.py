from django.urls import path, re_path

from . import views

urlpatterns = [
    path("books/", views.book_search),
    path("books/<int:pk>/loans/", views.loans),
    path("shelves/<shelf>/", views.shelf),
    re_path(r"^authors/(?P<author_id>\d+)/$", views.author),
    path("tags/", views.TagList.as_view()),
]
