"""Routes for the queue, routing, claim and assign. The queue's list, GET /api/v1/enquiries/,
shares its URL with the public intake, so the root URLconf routes it.

``urlpatterns`` are desk pages (under /desk/), ``api_urlpatterns`` API endpoints (under
/api/v1/)."""

from django.urls import path

from casework.queue import api, views

urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.queue_bulk, name="queue_bulk"),
    path("enquiries/<str:reference>/claim/", views.enquiry_claim, name="enquiry_claim"),
    path("enquiries/<str:reference>/assign/", views.enquiry_assign, name="enquiry_assign"),
]

api_urlpatterns = [
    path(
        "enquiries/<str:reference>/claim/",
        api.EnquiryClaimView.as_view(),
        name="enquiry-claim",
    ),
    path(
        "enquiries/<str:reference>/assign/",
        api.EnquiryAssignView.as_view(),
        name="enquiry-assign",
    ),
    path("advisers/", api.AdviserListView.as_view(), name="adviser-list"),
]
