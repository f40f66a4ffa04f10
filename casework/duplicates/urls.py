"""Routes for likely duplicates and merging (desk pages, under /desk/)."""

from django.urls import path

from casework.duplicates import views

urlpatterns = [
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/<int:pair_id>/dismiss/", views.dismiss, name="duplicate_dismiss"),
    path(
        "duplicates/contacts/<int:contact_id>/<int:other_contact_id>/",
        views.merge_contacts,
        name="merge_contacts",
    ),
    path(
        "duplicates/organisations/<int:organisation_id>/<int:other_organisation_id>/",
        views.merge_organisations,
        name="merge_organisations",
    ),
    path("enquiries/<str:reference>/merge/", views.merge_enquiry, name="enquiry_merge"),
]
