"""Routes for subject access requests (desk pages, under /desk/)."""

from django.urls import path

from casework.subject_access import views

urlpatterns = [
    path("data-protection/access/", views.sar_record, name="sar_record"),
    path("data-protection/access/<int:request_id>.json", views.sar_export_json, name="sar_json"),
    path("data-protection/access/<int:request_id>.pdf", views.sar_export_pdf, name="sar_pdf"),
    path(
        "data-protection/access/<int:request_id>/release/",
        views.sar_release,
        name="sar_release",
    ),
]
