"""The managers' audit page for an enquiry: every change, and who opened it."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from casework import policies, selectors
from casework.selectors_history import enquiry_access_log, enquiry_change_history
from casework.views import staff_required


@staff_required
def enquiry_history(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_see_enquiry_history(request.user, enquiry):
        raise PermissionDenied
    response = render(
        request,
        "casework/enquiry_history.html",
        {
            "enquiry": enquiry,
            "history": enquiry_change_history(enquiry=enquiry),
            "accesses": enquiry_access_log(enquiry=enquiry),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
