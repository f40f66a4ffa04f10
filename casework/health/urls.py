"""Top-level probes (mounted at / by the root URLconf, namespace ``health``)."""

from django.urls import path

from casework.health import views

app_name = "health"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]
