"""Routes for importing earlier records (desk pages for managers, under /desk/)."""

from django.urls import path

from casework.imports import views

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:run_id>/", views.run, name="import_run"),
    path("imports/<int:run_id>/import/", views.run_start, name="import_start"),
    path("imports/<int:run_id>/verdicts.csv", views.run_verdicts, name="import_verdicts"),
]
