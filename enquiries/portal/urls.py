"""Routes for the group's portal: the tracking pages behind a private link.

A link from an email (``track/<token>/...``) is exchanged for a short-lived cookie and
redirected to the same page without its token (``track/...``); see
``enquiries.portal.views.with_scope``."""

from django.urls import path

from enquiries.portal import views

urlpatterns = [
    # The pages as the group sees them, the link held in the portal cookie. Before
    # track/<token>/: "new-link", "link" and "enquiries" are not tokens.
    path("track/", views.track, name="portal"),
    path("track/new-link/", views.new_link, name="new_link"),
    path("track/link/replace/", views.rotate, name="portal_rotate"),
    path("track/enquiries/<str:reference>/", views.track_enquiry, name="portal_enquiry"),
    path("track/enquiries/<str:reference>/reply/", views.reply, name="portal_reply"),
    path("track/enquiries/<str:reference>/feedback/", views.feedback, name="portal_feedback"),
    path(
        "track/enquiries/<str:reference>/documents/<int:attachment_id>/",
        views.document,
        name="portal_document",
    ),
    # The link's own addresses, as emailed: each exchanges the token for the cookie.
    path("track/<str:token>/", views.track, name="track"),
    path("track/<str:token>/new-link/", views.rotate, name="track_rotate"),
    path(
        "track/<str:token>/enquiries/<str:reference>/",
        views.track_enquiry,
        name="track_enquiry",
    ),
    path(
        "track/<str:token>/enquiries/<str:reference>/reply/",
        views.reply,
        name="track_reply",
    ),
    path(
        "track/<str:token>/enquiries/<str:reference>/feedback/",
        views.feedback,
        name="track_feedback",
    ),
    path(
        "track/<str:token>/enquiries/<str:reference>/documents/<int:attachment_id>/",
        views.document,
        name="track_document",
    ),
]
