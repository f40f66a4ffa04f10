from django.urls import path

from enquiries import views, views_portal

app_name = "enquiries"

urlpatterns = [
    path("enquire/", views.enquire, name="enquire"),
    path("enquire/submitted/", views.submitted, name="submitted"),
    # Before track/<token>/: "new-link" is not a token.
    path("track/new-link/", views_portal.new_link, name="new_link"),
    path("track/<str:token>/", views_portal.track, name="track"),
    path("track/<str:token>/new-link/", views_portal.rotate, name="track_rotate"),
    path(
        "track/<str:token>/enquiries/<str:reference>/",
        views_portal.track_enquiry,
        name="track_enquiry",
    ),
    path(
        "track/<str:token>/enquiries/<str:reference>/reply/",
        views_portal.reply,
        name="track_reply",
    ),
    path(
        "track/<str:token>/enquiries/<str:reference>/documents/<int:attachment_id>/",
        views_portal.document,
        name="track_document",
    ),
]
