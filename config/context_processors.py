from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def service(request: HttpRequest) -> dict[str, str]:
    # The enquiry form is named here so pages of a lower app (guidance) can link to it.
    return {"service_name": settings.SERVICE_NAME, "ask_url": reverse("enquiries:enquire")}
