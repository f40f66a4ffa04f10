"""Routes for data protection: retention, legal holds, erasure, subject access (desk pages,
under /desk/)."""

from django.urls import path

from casework.data_protection import views

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
    path("data-protection/access/", views.sar_record, name="sar_record"),
    path("data-protection/access/<int:request_id>.json", views.sar_export_json, name="sar_json"),
    path("data-protection/access/<int:request_id>.pdf", views.sar_export_pdf, name="sar_pdf"),
    path("data-protection/access/<int:request_id>/review/", views.sar_review, name="sar_review"),
    path(
        "data-protection/access/<int:request_id>/prepare/",
        views.sar_prepare,
        name="sar_prepare",
    ),
    path(
        "data-protection/access/<int:request_id>/release/",
        views.sar_release,
        name="sar_release",
    ),
]
