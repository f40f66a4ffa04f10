"""Desk pages for canned replies (under /desk/)."""

from django.urls import path

from casework.snippets import views

urlpatterns = [
    path("snippets/", views.snippet_list, name="snippets"),
    path("snippets/new/", views.snippet_edit, name="snippet_new"),
    path("snippets/<int:snippet_id>/", views.snippet_edit, name="snippet_edit"),
]
