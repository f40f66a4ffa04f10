"""Mail in on the desk: the managers' quarantine (release or delete what was held back),
and an email's raw source as a ``.eml`` download (never rendered)."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from casework.desk import selectors as desk_selectors
from casework.desk.views import enquiry_page, manager_required, staff_required
from casework.mail import selectors
from config.http import AuthenticatedHttpRequest, no_store
from enquiries.conversation.services import download_response
from enquiries.mail import services
from enquiries.models import Enquiry, InboundMail


def eml_response(inbound: InboundMail, *, name: str) -> FileResponse:
    """The raw message as a download: an attachment that no browser renders or sniffs."""
    try:
        handle = inbound.raw.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The original of this email is no longer kept.") from None
    return download_response(handle, filename=name, content_type="application/octet-stream")


@require_safe
@staff_required
def enquiry_mail_source(request: HttpRequest, reference: str, inbound_id: int) -> HttpResponseBase:
    """An email on an enquiry, as it arrived, to staff who can see the enquiry (else 404)."""
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    inbound = selectors.enquiry_mail_get(enquiry=enquiry, inbound_id=inbound_id)
    return eml_response(inbound, name=f"{enquiry.reference}-email-{inbound.pk}.eml")


@require_safe
@manager_required
def quarantine(request: HttpRequest) -> HttpResponse:
    held = list(selectors.quarantine_list()[: selectors.QUARANTINE_PAGE])
    return no_store(render(request, "casework/mail_quarantine.html", {"held": held}))


@require_safe
@manager_required
def quarantine_source(request: HttpRequest, inbound_id: int) -> HttpResponseBase:
    inbound = selectors.quarantined_get(inbound_id=inbound_id)
    return eml_response(inbound, name=f"quarantined-email-{inbound.pk}.eml")


@require_POST
@manager_required
def quarantine_release(request: AuthenticatedHttpRequest, inbound_id: int) -> HttpResponse:
    inbound = selectors.quarantined_get(inbound_id=inbound_id)
    try:
        result = services.quarantine_release(inbound=inbound, actor=request.user)
    except services.QuarantineError as refusal:
        messages.error(request, f"The message was not released. {refusal}")
        return redirect("casework:mail_quarantine")
    made = f" It is now {result.enquiry.reference}." if result.enquiry else ""
    label = InboundMail.Outcome(result.outcome).label if result.outcome != "duplicate" else ""
    messages.success(request, f"Message released: {label.lower() or 'already stored'}.{made}")
    return redirect("casework:mail_quarantine")


@require_POST
@manager_required
def quarantine_discard(request: AuthenticatedHttpRequest, inbound_id: int) -> HttpResponse:
    inbound = selectors.quarantined_get(inbound_id=inbound_id)
    try:
        services.quarantine_discard(inbound=inbound, actor=request.user)
    except services.QuarantineError as refusal:
        messages.error(request, f"The message was not deleted. {refusal}")
    else:
        messages.success(request, "Message deleted. If it arrives again it will be ignored.")
    return redirect("casework:mail_quarantine")


@enquiry_page.reads
def _mail_reads(request: HttpRequest, enquiry: Enquiry) -> dict:
    return {"first_email": selectors.enquiry_first_mail_rows(enquiry=enquiry)}


@enquiry_page.panel()
def _mail_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """The email an enquiry came in as: who sent it, when, what was refused, its original."""
    return {"first_email": next(iter(context["rows"]["first_email"]), None)}
