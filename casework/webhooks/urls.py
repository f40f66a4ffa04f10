"""Routes for webhooks (desk pages for managers, under /desk/)."""

from django.urls import path

from casework.webhooks import views

urlpatterns = [
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:endpoint_id>/", views.endpoint, name="webhook"),
    path("webhooks/<int:endpoint_id>/active/", views.endpoint_active, name="webhook_active"),
    path(
        "webhooks/deliveries/<int:delivery_id>/redeliver/",
        views.redeliver,
        name="webhook_redeliver",
    ),
]
