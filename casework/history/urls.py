"""Routes for who changed what on an enquiry or a case, and who opened its personal data.

``urlpatterns`` are desk pages (under /desk/), ``api_urlpatterns`` API endpoints (under
/api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from casework.history import views

urlpatterns = [
    path("enquiries/<str:reference>/history/", views.enquiry_history, name="enquiry_history"),
    path("cases/<int:case_id>/history/", views.case_history, name="case_history"),
]

api_urlpatterns: list[URLPattern | URLResolver] = []
