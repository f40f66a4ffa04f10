"""Routes for one enquiry: its page, status, logging by hand, edits, organisations and contacts.

``urlpatterns`` are desk pages (under /desk/), ``api_urlpatterns`` API endpoints (under
/api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from casework.enquiry import api, views

router = SimpleRouter()
router.register("organisations", api.OrganisationViewSet, basename="organisation")
router.register("contacts", api.ContactViewSet, basename="contact")

urlpatterns = [
    path("enquiries/new/", views.enquiry_log, name="enquiry_log"),
    path("enquiries/<str:reference>/", views.enquiry_detail, name="enquiry"),
    path("enquiries/<str:reference>/edit/", views.enquiry_edit, name="enquiry_edit"),
    path("enquiries/<str:reference>/status/", views.enquiry_status, name="enquiry_status"),
]

api_urlpatterns = [
    path(
        "enquiries/<str:reference>/",
        api.EnquiryDetailView.as_view(),
        name="enquiry-detail",
    ),
    path(
        "enquiries/<str:reference>/status/",
        api.EnquiryStatusView.as_view(),
        name="enquiry-status",
    ),
    *router.urls,
]
