from django.urls import path
from rest_framework.routers import SimpleRouter

from casework import (
    api,
    api_cases,
    api_clock,
    api_edit,
    api_letters,
    api_publish,
    api_service_levels,
    api_workspace,
)
from casework.reports import api as report_api

router = SimpleRouter()
router.register("organisations", api.OrganisationViewSet, basename="organisation")
router.register("contacts", api.ContactViewSet, basename="contact")

urlpatterns = [
    path("enquiries/", api.EnquiryCollectionView.as_view(), name="enquiry-list"),
    path(
        "enquiries/<str:reference>/",
        api_edit.EnquiryDetailEditView.as_view(),
        name="enquiry-detail",
    ),
    path(
        "enquiries/<str:reference>/attachments/",
        api_edit.AttachmentCollectionView.as_view(),
        name="enquiry-attachments",
    ),
    path(
        "enquiries/<str:reference>/attachments/<int:attachment_id>/download/",
        api_edit.AttachmentDownloadView.as_view(),
        name="enquiry-attachment-download",
    ),
    path(
        "enquiries/<str:reference>/messages/",
        api_edit.MessageCollectionView.as_view(),
        name="enquiry-messages",
    ),
    path("enquiries/<str:reference>/claim/", api.EnquiryClaimView.as_view(), name="enquiry-claim"),
    path(
        "enquiries/<str:reference>/assign/", api.EnquiryAssignView.as_view(), name="enquiry-assign"
    ),
    path(
        "enquiries/<str:reference>/status/", api.EnquiryStatusView.as_view(), name="enquiry-status"
    ),
    path(
        "enquiries/<str:reference>/key-dates/",
        api_clock.KeyDateCollectionView.as_view(),
        name="enquiry-key-dates",
    ),
    path(
        "enquiries/<str:reference>/key-dates/<int:key_date_id>/",
        api_clock.KeyDateDetailView.as_view(),
        name="enquiry-key-date",
    ),
    path(
        "enquiries/<str:reference>/notes/",
        api_workspace.NoteCollectionView.as_view(),
        name="enquiry-notes",
    ),
    path(
        "enquiries/<str:reference>/tasks/",
        api_workspace.TaskCollectionView.as_view(),
        name="enquiry-tasks",
    ),
    path(
        "enquiries/<str:reference>/tasks/<int:task_id>/done/",
        api_workspace.TaskDoneView.as_view(),
        name="enquiry-task-done",
    ),
    path(
        "enquiries/<str:reference>/time/",
        api_workspace.TimeEntryCollectionView.as_view(),
        name="enquiry-time",
    ),
    path(
        "enquiries/<str:reference>/outcomes/",
        api_cases.OutcomeCollectionView.as_view(),
        name="enquiry-outcomes",
    ),
    path(
        "enquiries/<str:reference>/public-dates/",
        api_publish.PublicDateCollectionView.as_view(),
        name="enquiry-public-dates",
    ),
    path(
        "enquiries/<str:reference>/public-dates/withdraw/",
        api_publish.PublicDateWithdrawView.as_view(),
        name="enquiry-public-dates-withdraw",
    ),
    path(
        "enquiries/<str:reference>/tracking-links/revoke/",
        api_publish.TrackingLinksRevokeView.as_view(),
        name="enquiry-tracking-links-revoke",
    ),
    path(
        "enquiries/<str:reference>/tracking-links/send/",
        api_publish.TrackingLinkSendView.as_view(),
        name="enquiry-tracking-links-send",
    ),
    path("tasks/", api_workspace.MyTaskListView.as_view(), name="my-tasks"),
    path("cases/", api_cases.CaseCollectionView.as_view(), name="case-list"),
    path("cases/<int:case_id>/", api_cases.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:case_id>/status/", api_cases.CaseStatusView.as_view(), name="case-status"),
    path(
        "cases/<int:case_id>/key-dates/",
        api_clock.CaseKeyDateCollectionView.as_view(),
        name="case-key-dates",
    ),
    path(
        "enquiries/<str:reference>/letters/",
        api_letters.EnquiryLetterCollectionView.as_view(),
        name="enquiry-letters",
    ),
    path(
        "enquiries/<str:reference>/letters/<int:letter_id>/download/",
        api_letters.LetterDownloadView.as_view(),
        name="enquiry-letter-download",
    ),
    path(
        "cases/<int:case_id>/letters/",
        api_letters.CaseLetterCollectionView.as_view(),
        name="case-letters",
    ),
    path("letter-batches/", api_letters.LetterBatchCollectionView.as_view(), name="letter-batches"),
    path(
        "letter-batches/<int:batch_id>/",
        api_letters.LetterBatchDetailView.as_view(),
        name="letter-batch-detail",
    ),
    path("advisers/", api.AdviserListView.as_view(), name="adviser-list"),
    path("deadline-rules/", api_clock.DeadlineRuleListView.as_view(), name="deadline-rule-list"),
    path("clock/", api_clock.ClockView.as_view(), name="clock"),
    path(
        "service-levels/",
        api_service_levels.ServiceLevelCollectionView.as_view(),
        name="service-level-list",
    ),
    path(
        "service-levels/<int:target_id>/",
        api_service_levels.ServiceLevelDetailView.as_view(),
        name="service-level-detail",
    ),
    *[
        path(f"reports/{name}/", view.as_view(), name=f"report-{name}")
        for name, view in report_api.VIEWS.items()
    ],
    *router.urls,
]
