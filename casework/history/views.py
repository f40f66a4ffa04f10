"""The managers' audit pages: every change to an enquiry (and who opened it) or a case."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from casework import policies
from casework.cases import selectors as cases_selectors
from casework.desk import selectors as desk_selectors
from casework.desk.views import page, staff_required
from casework.history.selectors import (
    case_change_history,
    enquiry_access_log,
    enquiry_change_history,
)
from config.http import AuthenticatedHttpRequest
from enquiries.services import personal_data_access_record


@require_safe
@staff_required
def enquiry_history(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_see_enquiry_history(request.user, enquiry):
        raise PermissionDenied
    # Old and new values of the enquiry's fields are its personal data too.
    personal_data_access_record(enquiry=enquiry, viewer=request.user, channel="page")
    context = {
        "enquiry": enquiry,
        "history": enquiry_change_history(enquiry=enquiry),
        "accesses": enquiry_access_log(enquiry=enquiry),
    }
    return page(request, "casework/enquiry_history.html", context)


@require_safe
@staff_required
def case_history(request: HttpRequest, case_id: int) -> HttpResponse:
    case = cases_selectors.case_get_for_user(user=request.user, case_id=case_id)
    if not policies.can_see_case_history(request.user, case):
        raise PermissionDenied
    context = {"case": case, "history": case_change_history(case=case), "active": "cases"}
    return page(request, "casework/case_history.html", context)
