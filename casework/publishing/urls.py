"""Routes for what the group sees: published dates, tracking links, documents, updates.

``urlpatterns`` are desk pages (under /desk/), ``api_urlpatterns`` API endpoints (under
/api/v1/)."""

from django.urls import path

from casework.publishing import api, views

urlpatterns = [
    path("enquiries/<str:reference>/documents/", views.document_add, name="document_add"),
    path(
        "enquiries/<str:reference>/documents/<int:attachment_id>/",
        views.document_download,
        name="document_download",
    ),
    path(
        "enquiries/<str:reference>/messages/",
        views.message_publish,
        name="message_publish",
    ),
    path(
        "enquiries/<str:reference>/key-dates/<int:key_date_id>/deadlines/<int:rule_id>/publish/",
        views.deadline_publish,
        name="deadline_publish",
    ),
    path(
        "enquiries/<str:reference>/key-dates/<int:key_date_id>/deadlines/<int:rule_id>/withdraw/",
        views.deadline_withdraw,
        name="deadline_withdraw",
    ),
    path(
        "enquiries/<str:reference>/tracking-links/revoke/",
        views.tracking_links_revoke,
        name="tracking_links_revoke",
    ),
    path(
        "enquiries/<str:reference>/tracking-links/send/",
        views.tracking_link_send,
        name="tracking_link_send",
    ),
]

api_urlpatterns = [
    path(
        "enquiries/<str:reference>/attachments/",
        api.AttachmentCollectionView.as_view(),
        name="enquiry-attachments",
    ),
    path(
        "enquiries/<str:reference>/attachments/<int:attachment_id>/download/",
        api.AttachmentDownloadView.as_view(),
        name="enquiry-attachment-download",
    ),
    path(
        "enquiries/<str:reference>/messages/",
        api.MessageCollectionView.as_view(),
        name="enquiry-messages",
    ),
    path(
        "enquiries/<str:reference>/public-dates/",
        api.PublicDateCollectionView.as_view(),
        name="enquiry-public-dates",
    ),
    path(
        "enquiries/<str:reference>/public-dates/withdraw/",
        api.PublicDateWithdrawView.as_view(),
        name="enquiry-public-dates-withdraw",
    ),
    path(
        "enquiries/<str:reference>/tracking-links/revoke/",
        api.TrackingLinksRevokeView.as_view(),
        name="enquiry-tracking-links-revoke",
    ),
    path(
        "enquiries/<str:reference>/tracking-links/send/",
        api.TrackingLinkSendView.as_view(),
        name="enquiry-tracking-links-send",
    ),
]
