"""The enquiry page's "also viewing" notice, and the call its script makes every 30
seconds to say the page is still open and hear who else is there."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from casework.desk import selectors as desk_selectors
from casework.desk.views import enquiry_page, staff_required
from casework.presence import selectors, services
from config.http import AuthenticatedHttpRequest, no_store
from enquiries.models import Enquiry


def _words(names: list[str]) -> str:
    if not names:
        return ""
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{who} {'is' if len(names) == 1 else 'are'} also viewing this enquiry."


@enquiry_page.reads
def _presence_reads(request: HttpRequest, enquiry: Enquiry) -> dict:
    """Who else has the page open (the user's own presence is not among them, so it is
    read before it is noted)."""
    return {"also_viewing": selectors.others_viewing_rows(enquiry=enquiry, user=request.user)}  # type: ignore[arg-type]


@enquiry_page.panel(order=5)
def _presence_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    services.presence_touch(enquiry=enquiry, user=request.user)  # type: ignore[arg-type]
    others = selectors.others_viewing(
        enquiry=enquiry,
        user=request.user,  # type: ignore[arg-type]
        rows=context["rows"]["also_viewing"],
    )
    return {"also_viewing": _words(others), "presence_seconds": settings.PRESENCE_BEAT_SECONDS}


@require_POST
@staff_required
def presence(request: AuthenticatedHttpRequest, reference: str) -> JsonResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    services.presence_touch(enquiry=enquiry, user=request.user)
    others = selectors.others_viewing(enquiry=enquiry, user=request.user)
    response = JsonResponse({"others": others, "text": _words(others)})
    no_store(response)
    return response
