"""Public guidance pages (namespace ``guidance``)."""

from django.urls import path

from knowledgebase.guidance import views

app_name = "guidance"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("<slug:slug>/", views.article, name="article"),
]
