from django.urls import path

from casework import (
    views,
    views_cases,
    views_edit,
    views_history,
    views_letters,
    views_publish,
    views_service_levels,
    views_workspace,
)

app_name = "casework"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("enquiries/new/", views.enquiry_log, name="enquiry_log"),
    path("enquiries/<str:reference>/", views.enquiry_detail, name="enquiry"),
    path(
        "enquiries/<str:reference>/history/", views_history.enquiry_history, name="enquiry_history"
    ),
    path("enquiries/<str:reference>/edit/", views_edit.enquiry_edit, name="enquiry_edit"),
    path("enquiries/<str:reference>/documents/", views_workspace.document_add, name="document_add"),
    path(
        "enquiries/<str:reference>/documents/<int:attachment_id>/",
        views_workspace.document_download,
        name="document_download",
    ),
    path(
        "enquiries/<str:reference>/messages/",
        views_workspace.message_publish,
        name="message_publish",
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
    path(
        "enquiries/<str:reference>/key-dates/<int:key_date_id>/deadlines/<int:rule_id>/publish/",
        views_publish.deadline_publish,
        name="deadline_publish",
    ),
    path(
        "enquiries/<str:reference>/key-dates/<int:key_date_id>/deadlines/<int:rule_id>/withdraw/",
        views_publish.deadline_withdraw,
        name="deadline_withdraw",
    ),
    path(
        "enquiries/<str:reference>/tracking-links/revoke/",
        views_publish.tracking_links_revoke,
        name="tracking_links_revoke",
    ),
    path(
        "enquiries/<str:reference>/tracking-links/send/",
        views_publish.tracking_link_send,
        name="tracking_link_send",
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
    path("cases/<int:case_id>/edit/", views_edit.case_edit, name="case_edit"),
    path("cases/<int:case_id>/history/", views_history.case_history, name="case_history"),
    path("cases/<int:case_id>/enquiries/", views_cases.case_add_enquiry, name="case_add_enquiry"),
    path("cases/<int:case_id>/outcomes/", views_cases.case_outcome, name="case_outcome"),
    path("cases/<int:case_id>/key-dates/", views_cases.case_key_date, name="case_key_date"),
    path("clock/", views.clock, name="clock"),
    path("service-levels/", views_service_levels.service_levels, name="service_levels"),
    path(
        "service-levels/<int:target_id>/",
        views_service_levels.service_level_change,
        name="service_level_change",
    ),
    path(
        "service-levels/<int:target_id>/remove/",
        views_service_levels.service_level_remove,
        name="service_level_remove",
    ),
    path(
        "enquiries/<str:reference>/letters/new/",
        views_letters.letter_compose,
        name="letter_compose",
    ),
    path(
        "enquiries/<str:reference>/letters/preview/",
        views_letters.letter_preview,
        name="letter_preview",
    ),
    path("enquiries/<str:reference>/letters/", views_letters.letter_issue, name="letter_issue"),
    path(
        "enquiries/<str:reference>/letters/<int:letter_id>/",
        views_letters.letter_detail,
        name="letter",
    ),
    path(
        "enquiries/<str:reference>/letters/<int:letter_id>/pdf/",
        views_letters.letter_download,
        name="letter_download",
    ),
    path("letters/bulk/", views_letters.letter_bulk, name="letter_bulk"),
    path("letters/batches/<int:batch_id>/", views_letters.letter_batch, name="letter_batch"),
]
