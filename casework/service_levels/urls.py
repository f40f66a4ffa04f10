"""Routes for service level targets.

``urlpatterns`` are desk pages (under /desk/), ``api_urlpatterns`` API endpoints (under
/api/v1/)."""

from django.urls import path

from casework.service_levels import api, views

urlpatterns = [
    path("service-levels/", views.service_levels, name="service_levels"),
    path(
        "service-levels/<int:target_id>/",
        views.service_level_change,
        name="service_level_change",
    ),
    path(
        "service-levels/<int:target_id>/remove/",
        views.service_level_remove,
        name="service_level_remove",
    ),
]

api_urlpatterns = [
    path(
        "service-levels/",
        api.ServiceLevelCollectionView.as_view(),
        name="service-level-list",
    ),
    path(
        "service-levels/<int:target_id>/",
        api.ServiceLevelDetailView.as_view(),
        name="service-level-detail",
    ),
]
