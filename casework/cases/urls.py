"""Routes for cases (one matter across enquiries), their outcomes, edits.

``urlpatterns`` are desk pages (under /desk/), ``api_urlpatterns`` API endpoints (under
/api/v1/)."""

from django.urls import path

from casework.cases import api, views

urlpatterns = [
    path("enquiries/<str:reference>/close/", views.enquiry_close, name="enquiry_close"),
    path("enquiries/<str:reference>/case/", views.case_open, name="case_open"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/status/", views.case_status, name="case_status"),
    path("cases/<int:case_id>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:case_id>/enquiries/", views.case_add_enquiry, name="case_add_enquiry"),
    path("cases/<int:case_id>/outcomes/", views.case_outcome, name="case_outcome"),
]

api_urlpatterns = [
    path(
        "enquiries/<str:reference>/outcomes/",
        api.OutcomeCollectionView.as_view(),
        name="enquiry-outcomes",
    ),
    path("cases/", api.CaseCollectionView.as_view(), name="case-list"),
    path("cases/<int:case_id>/", api.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:case_id>/status/", api.CaseStatusView.as_view(), name="case-status"),
]
