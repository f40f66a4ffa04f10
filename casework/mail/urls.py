"""Routes for mail in.

``urlpatterns`` are desk pages (under /desk/), ``api_urlpatterns`` API endpoints (under
/api/v1/)."""

from django.urls import path

from casework.mail import api, views

urlpatterns = [
    path(
        "enquiries/<str:reference>/emails/<int:inbound_id>.eml",
        views.enquiry_mail_source,
        name="enquiry_mail_source",
    ),
    path("mail/quarantine/", views.quarantine, name="mail_quarantine"),
    path(
        "mail/quarantine/<int:inbound_id>.eml",
        views.quarantine_source,
        name="mail_quarantine_source",
    ),
    path(
        "mail/quarantine/<int:inbound_id>/release/",
        views.quarantine_release,
        name="mail_quarantine_release",
    ),
    path(
        "mail/quarantine/<int:inbound_id>/delete/",
        views.quarantine_discard,
        name="mail_quarantine_discard",
    ),
]

api_urlpatterns = [
    path("mail/quarantine/", api.QuarantineListView.as_view(), name="mail-quarantine-list"),
    path(
        "mail/quarantine/<int:inbound_id>/release/",
        api.QuarantineReleaseView.as_view(),
        name="mail-quarantine-release",
    ),
    path(
        "mail/quarantine/<int:inbound_id>/delete/",
        api.QuarantineDiscardView.as_view(),
        name="mail-quarantine-discard",
    ),
]
