"""Routes for guidance letters: compose, preview, issue, download, bulk batches.

``urlpatterns`` are desk pages (under /desk/), ``api_urlpatterns`` API endpoints (under
/api/v1/)."""

from django.urls import path

from casework.letters import api, views

urlpatterns = [
    path(
        "enquiries/<str:reference>/letters/new/",
        views.letter_compose,
        name="letter_compose",
    ),
    path(
        "enquiries/<str:reference>/letters/preview/",
        views.letter_preview,
        name="letter_preview",
    ),
    path("enquiries/<str:reference>/letters/", views.letter_issue, name="letter_issue"),
    path(
        "enquiries/<str:reference>/letters/<int:letter_id>/",
        views.letter_detail,
        name="letter",
    ),
    path(
        "enquiries/<str:reference>/letters/<int:letter_id>/pdf/",
        views.letter_download,
        name="letter_download",
    ),
    path("letters/bulk/", views.letter_bulk, name="letter_bulk"),
    path("letters/batches/<int:batch_id>/", views.letter_batch, name="letter_batch"),
]

api_urlpatterns = [
    path(
        "enquiries/<str:reference>/letters/",
        api.EnquiryLetterCollectionView.as_view(),
        name="enquiry-letters",
    ),
    path(
        "enquiries/<str:reference>/letters/<int:letter_id>/download/",
        api.LetterDownloadView.as_view(),
        name="enquiry-letter-download",
    ),
    path(
        "cases/<int:case_id>/letters/",
        api.CaseLetterCollectionView.as_view(),
        name="case-letters",
    ),
    path("letter-batches/", api.LetterBatchCollectionView.as_view(), name="letter-batches"),
    path(
        "letter-batches/<int:batch_id>/",
        api.LetterBatchDetailView.as_view(),
        name="letter-batch-detail",
    ),
]
