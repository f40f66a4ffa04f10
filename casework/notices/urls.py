"""Routes for in-app notices (under /desk/)."""

from django.urls import path

from casework.notices import views

urlpatterns = [
    path("notices/", views.notices, name="notices"),
    path("notices/count/", views.notices_count, name="notices_count"),
    path("notices/read/", views.notices_read, name="notices_read"),
    path("notices/email/", views.email_preferences, name="email_preferences"),
    path("notices/<int:notice_id>/", views.notice_open, name="notice_open"),
]
