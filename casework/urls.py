from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("enquiries/new/", views.enquiry_log, name="enquiry_log"),
    path("enquiries/<str:reference>/", views.enquiry_detail, name="enquiry"),
    path("enquiries/<str:reference>/claim/", views.enquiry_claim, name="enquiry_claim"),
    path("enquiries/<str:reference>/assign/", views.enquiry_assign, name="enquiry_assign"),
    path("enquiries/<str:reference>/status/", views.enquiry_status, name="enquiry_status"),
    path("enquiries/<str:reference>/key-dates/", views.key_date_record, name="key_date_record"),
    path(
        "enquiries/<str:reference>/key-dates/<int:key_date_id>/remove/",
        views.key_date_remove,
        name="key_date_remove",
    ),
    path("clock/", views.clock, name="clock"),
]
