"""Reads for mail in on the desk: the quarantine, and the messages on an enquiry."""

from django.db.models import QuerySet
from django.http import Http404

from enquiries.models import Channel, Enquiry, InboundMail

QUARANTINE_PAGE = 200


def quarantine_list() -> QuerySet[InboundMail]:
    """Mail held back for a manager (too large, unreadable), oldest first."""
    return InboundMail.objects.filter(outcome=InboundMail.Outcome.QUARANTINED).order_by(
        "received_at", "pk"
    )


def quarantined_get(*, inbound_id: int) -> InboundMail:
    inbound = quarantine_list().filter(pk=inbound_id).first()
    if inbound is None:
        raise Http404("No such message in quarantine.")
    return inbound


def enquiry_mail_get(*, enquiry: Enquiry, inbound_id: int) -> InboundMail:
    """One message that arrived on ``enquiry`` (the caller checked the enquiry is visible)."""
    inbound = InboundMail.objects.filter(enquiry=enquiry, pk=inbound_id).first()
    if inbound is None or not inbound.raw:
        raise Http404("No such email on this enquiry.")
    return inbound


def enquiry_first_mail(*, enquiry: Enquiry) -> InboundMail | None:
    """The email an enquiry came in as (not a later reply), if it came by email."""
    return next(iter(enquiry_first_mail_rows(enquiry=enquiry)), None)


def enquiry_first_mail_rows(*, enquiry: Enquiry) -> QuerySet[InboundMail]:
    """The rows ``enquiry_first_mail`` reads (none unless it came by email): to read with
    a page's others."""
    if enquiry.channel != Channel.EMAIL:
        return InboundMail.objects.none()
    return InboundMail.objects.filter(enquiry=enquiry, message__isnull=True).order_by(
        "received_at", "pk"
    )[:1]
