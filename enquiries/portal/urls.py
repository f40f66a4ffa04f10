"""Routes for the group's portal: the tracking pages behind a private link."""

from django.urls import path

from enquiries.portal import views

urlpatterns = [
    # Before track/<token>/: "new-link" is not a token.
    path("track/new-link/", views.new_link, name="new_link"),
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
        "track/<str:token>/enquiries/<str:reference>/documents/<int:attachment_id>/",
        views.document,
        name="track_document",
    ),
]
