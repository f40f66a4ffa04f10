"""Routes for retention and legal holds (desk pages, under /desk/)."""

from django.urls import path

from casework.retention import views

urlpatterns = [
    path("data-protection/", views.data_protection, name="data_protection"),
    path("data-protection/retention/", views.retention_policy, name="retention_policy"),
    path("data-protection/holds/", views.legal_hold_place, name="legal_hold_place"),
    path("data-protection/erasure/", views.erasure, name="erasure"),
    path(
        "data-protection/holds/<int:hold_id>/release/",
        views.legal_hold_release,
        name="legal_hold_release",
    ),
]
