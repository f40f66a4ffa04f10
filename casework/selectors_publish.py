"""Reads for the enquiry page's group-facing part: which deadlines the group sees."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from casework.selectors import KeyDateView
from enquiries.models import Enquiry, PublicDate
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


def publish_rows(*, enquiry: Enquiry, key_dates: list[KeyDateView]) -> list[PublishRow]:
    """Each computed deadline on the page with what the group sees of it now (one query)."""
    if not any(kd.deadlines for kd in key_dates):
        return []
    published = {d.source: d for d in PublicDate.objects.filter(enquiry=enquiry)}
    return [
        PublishRow(
            key_date_id=kd.key_date.pk,
            rule=d.rule,
            end=d.end,
            published=published.get(deadline_source(key_date_id=kd.key_date.pk, rule_id=d.rule.pk)),
        )
        for kd in key_dates
        for d in kd.deadlines
    ]


def public_date_list(*, enquiry: Enquiry) -> QuerySet[PublicDate]:
    """The dates the group sees on its tracking page, soonest first."""
    return PublicDate.objects.filter(enquiry=enquiry).order_by("date", "pk")
