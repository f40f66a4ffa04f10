from django.urls import path
from rest_framework.routers import SimpleRouter

from casework import api, api_cases, api_clock, api_workspace

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
    path(
        "enquiries/<str:reference>/key-dates/",
        api_clock.KeyDateCollectionView.as_view(),
        name="enquiry-key-dates",
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
    path("cases/", api_cases.CaseCollectionView.as_view(), name="case-list"),
    path("cases/<int:case_id>/", api_cases.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:case_id>/status/", api_cases.CaseStatusView.as_view(), name="case-status"),
    path("advisers/", api.AdviserListView.as_view(), name="adviser-list"),
    path("deadline-rules/", api_clock.DeadlineRuleListView.as_view(), name="deadline-rule-list"),
    path("clock/", api_clock.ClockView.as_view(), name="clock"),
    *router.urls,
]
