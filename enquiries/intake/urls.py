"""Routes for the public intake form. The intake API, POST /api/v1/enquiries/, shares its
URL with the staff queue, so the root URLconf routes it (``config.api.MethodDispatch``)."""

from django.urls import path

from enquiries.intake import views

urlpatterns = [
    path("enquire/", views.enquire, name="enquire"),
    path("enquire/submitted/", views.submitted, name="submitted"),
    path("privacy/", views.privacy, name="privacy"),
]
