from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.api import MethodDispatch

api_v1: list[URLPattern | URLResolver] = [
    # One URL, two audiences: staff read the queue, other sites post enquiries.
    path(
        "enquiries/",
        MethodDispatch(
            "casework.queue.api.EnquiryListView", post="enquiries.intake.api.EnquiryIntakeView"
        ),
        name="enquiry-list",
    ),
    path("", include("casework.urls_api")),
    path("", include("knowledgebase.urls_api")),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="enquiries:enquire", permanent=False)),
    path("", include("enquiries.urls")),
    path("guidance/", include("knowledgebase.guidance.urls")),
    path("desk/", include("casework.urls")),
    path("reports/", include("casework.reports.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # /healthz, /readyz, /metrics: for the proxy and Prometheus (docs/operations.md).
    path("", include("casework.health.urls")),
]

handler404 = "config.api.not_found"
