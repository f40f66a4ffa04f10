"""Saved queue views (under /desk/)."""

from django.urls import path

from casework.saved_views import views

urlpatterns = [
    path("views/", views.saved_view_save, name="saved_view_save"),
    path("views/<int:view_id>/delete/", views.saved_view_delete, name="saved_view_delete"),
]
