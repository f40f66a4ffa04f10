"""Routes for notes, tasks, time and the enquiry's timeline.

``urlpatterns`` are desk pages (under /desk/), ``api_urlpatterns`` API endpoints (under
/api/v1/)."""

from django.urls import path

from casework.workspace import api, views

urlpatterns = [
    path("enquiries/<str:reference>/notes/", views.note_add, name="note_add"),
    path("enquiries/<str:reference>/tasks/", views.task_add, name="task_add"),
    path(
        "enquiries/<str:reference>/tasks/<int:task_id>/done/",
        views.task_done,
        name="task_done",
    ),
    path("enquiries/<str:reference>/time/", views.time_record, name="time_record"),
]

api_urlpatterns = [
    path(
        "enquiries/<str:reference>/notes/",
        api.NoteCollectionView.as_view(),
        name="enquiry-notes",
    ),
    path(
        "enquiries/<str:reference>/tasks/",
        api.TaskCollectionView.as_view(),
        name="enquiry-tasks",
    ),
    path(
        "enquiries/<str:reference>/tasks/<int:task_id>/done/",
        api.TaskDoneView.as_view(),
        name="enquiry-task-done",
    ),
    path(
        "enquiries/<str:reference>/time/",
        api.TimeEntryCollectionView.as_view(),
        name="enquiry-time",
    ),
    path("tasks/", api.MyTaskListView.as_view(), name="my-tasks"),
]
