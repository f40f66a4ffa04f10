from django.urls import path

from casework import api

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
    path("organisations/", api.OrganisationListView.as_view(), name="organisation-list"),
    path(
        "organisations/<int:pk>/", api.OrganisationDetailView.as_view(), name="organisation-detail"
    ),
    path("contacts/", api.ContactListView.as_view(), name="contact-list"),
    path("contacts/<int:pk>/", api.ContactDetailView.as_view(), name="contact-detail"),
    path("advisers/", api.AdviserListView.as_view(), name="adviser-list"),
]
