"""The desk search page (under /desk/) and its API route (under /api/v1/)."""

from django.urls import path

from casework.search import api, views

urlpatterns = [path("search/", views.desk_search, name="search")]

api_urlpatterns = [path("search/", api.DeskSearchView.as_view(), name="desk-search")]
