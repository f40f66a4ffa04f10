from django.urls import path
from rest_framework.routers import SimpleRouter

from casework import api

router = SimpleRouter()
router.register("organisations", api.OrganisationViewSet, basename="organisation")
router.register("contacts", api.ContactViewSet, basename="contact")

urlpatterns = [
    path("enquiries/", api.EnquiryCollectionView.as_view(), name="enquiry-list"),
    path("enquiries/<str:reference>/", api.EnquiryDetailView.as_view(), name="enquiry-detail"),
    path("enquiries/<str:reference>/claim/", api.EnquiryClaimView.as_view(), name="enquiry-claim"),
    path(
        "enquiries/<str:reference>/assign/", api.EnquiryAssignView.as_view(), name="enquiry-assign"
    ),
    path(
        "enquiries/<str:reference>/status/", api.EnquiryStatusView.as_view(), name="enquiry-status"
    ),
    path("advisers/", api.AdviserListView.as_view(), name="adviser-list"),
    *router.urls,
]
