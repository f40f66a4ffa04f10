"""Routes for key dates, the statutory deadlines they start, and the clock calculator.

``urlpatterns`` are desk pages (under /desk/), ``api_urlpatterns`` API endpoints (under
/api/v1/)."""

from django.urls import path

from casework.clocks import api, views

urlpatterns = [
    path("enquiries/<str:reference>/key-dates/", views.key_date_record, name="key_date_record"),
    path(
        "enquiries/<str:reference>/key-dates/<int:key_date_id>/remove/",
        views.key_date_remove,
        name="key_date_remove",
    ),
    path(
        "enquiries/<str:reference>/deadlines/extend/",
        views.deadline_extend,
        name="deadline_extend",
    ),
    path("cases/<int:case_id>/key-dates/", views.case_key_date, name="case_key_date"),
    path(
        "cases/<int:case_id>/deadlines/extend/",
        views.case_deadline_extend,
        name="case_deadline_extend",
    ),
    path("clock/", views.clock, name="clock"),
]

api_urlpatterns = [
    path(
        "enquiries/<str:reference>/key-dates/",
        api.KeyDateCollectionView.as_view(),
        name="enquiry-key-dates",
    ),
    path(
        "enquiries/<str:reference>/key-dates/<int:key_date_id>/",
        api.KeyDateDetailView.as_view(),
        name="enquiry-key-date",
    ),
    path(
        "enquiries/<str:reference>/key-dates/<int:key_date_id>/deadlines/<slug:rule>/extensions/",
        api.DeadlineExtensionView.as_view(),
        name="enquiry-deadline-extensions",
    ),
    path(
        "cases/<int:case_id>/key-dates/",
        api.CaseKeyDateCollectionView.as_view(),
        name="case-key-dates",
    ),
    path("deadline-rules/", api.DeadlineRuleListView.as_view(), name="deadline-rule-list"),
    path("clock/", api.ClockView.as_view(), name="clock"),
]
