from django.urls import path

from casework import views, views_cases, views_history, views_workspace

app_name = "casework"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("enquiries/new/", views.enquiry_log, name="enquiry_log"),
    path("enquiries/<str:reference>/", views.enquiry_detail, name="enquiry"),
    path(
        "enquiries/<str:reference>/history/", views_history.enquiry_history, name="enquiry_history"
    ),
    path("enquiries/<str:reference>/claim/", views.enquiry_claim, name="enquiry_claim"),
    path("enquiries/<str:reference>/assign/", views.enquiry_assign, name="enquiry_assign"),
    path("enquiries/<str:reference>/status/", views.enquiry_status, name="enquiry_status"),
    path("enquiries/<str:reference>/key-dates/", views.key_date_record, name="key_date_record"),
    path(
        "enquiries/<str:reference>/key-dates/<int:key_date_id>/remove/",
        views.key_date_remove,
        name="key_date_remove",
    ),
    path("enquiries/<str:reference>/notes/", views_workspace.note_add, name="note_add"),
    path("enquiries/<str:reference>/tasks/", views_workspace.task_add, name="task_add"),
    path(
        "enquiries/<str:reference>/tasks/<int:task_id>/done/",
        views_workspace.task_done,
        name="task_done",
    ),
    path("enquiries/<str:reference>/time/", views_workspace.time_record, name="time_record"),
    path("enquiries/<str:reference>/close/", views_cases.enquiry_close, name="enquiry_close"),
    path("enquiries/<str:reference>/case/", views_cases.case_open, name="case_open"),
    path("cases/", views_cases.case_list, name="cases"),
    path("cases/<int:case_id>/", views_cases.case_detail, name="case"),
    path("cases/<int:case_id>/status/", views_cases.case_status, name="case_status"),
    path("cases/<int:case_id>/enquiries/", views_cases.case_add_enquiry, name="case_add_enquiry"),
    path("cases/<int:case_id>/outcomes/", views_cases.case_outcome, name="case_outcome"),
    path("clock/", views.clock, name="clock"),
]
