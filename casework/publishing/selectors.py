"""Reads for the enquiry page's group-facing part: which deadlines the group sees."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from casework.clocks.selectors import KeyDateView
from enquiries.models import Attachment, Enquiry, Message, PublicDate
from knowledgebase.models import DeadlineRule


def deadline_source(*, key_date_id: int, rule_id: int) -> str:
    """The ``PublicDate.source`` of one rule's deadline started by one key date."""
    return f"deadline:{key_date_id}:{rule_id}"


@dataclass(frozen=True)
class PublishRow:
    key_date_id: int
    rule: DeadlineRule
    end: date
    published: PublicDate | None


def publish_rows(
    *,
    enquiry: Enquiry,
    key_dates: list[KeyDateView],
    public_dates: Iterable[PublicDate] | None = None,
) -> list[PublishRow]:
    """Each computed deadline on the page with what the group sees of it now (one query,
    none given the enquiry's ``public_dates`` read with a page's others)."""
    if not any(kd.deadlines for kd in key_dates):
        return []
    if public_dates is None:
        public_dates = public_date_list(enquiry=enquiry)
    published = {d.source: d for d in public_dates}
    return [
        PublishRow(
            key_date_id=kd.key_date.pk,
            rule=d.rule,
            end=d.due,
            published=published.get(deadline_source(key_date_id=kd.key_date.pk, rule_id=d.rule.pk)),
        )
        for kd in key_dates
        for d in kd.deadlines
    ]


def public_date_list(*, enquiry: Enquiry) -> QuerySet[PublicDate]:
    """The dates the group sees on its tracking page, soonest first."""
    return PublicDate.objects.filter(enquiry=enquiry).order_by("date", "pk")


def attachment_list(*, enquiry: Enquiry) -> QuerySet[Attachment]:
    """Every document on the enquiry, staff-only and public, oldest first (one query)."""
    return (
        Attachment.objects.filter(enquiry=enquiry)
        .select_related("uploaded_by", "message")
        .order_by("created_at", "id")
    )


def attachment_get(*, enquiry: Enquiry, attachment_id: int) -> Attachment:
    """One of ``enquiry``'s documents (the caller has checked the enquiry is visible)."""
    attachment = Attachment.objects.filter(enquiry=enquiry, pk=attachment_id).first()
    if attachment is None:
        raise Http404("No such document")
    return attachment


def public_message_list(*, enquiry: Enquiry) -> QuerySet[Message]:
    """The conversation with the group (never an internal note), oldest first, with each
    message's documents (two queries a page)."""
    return (
        Message.objects.filter(enquiry=enquiry)
        .select_related("author", "email")
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id"))
        )
        .order_by("created_at", "id")
    )
