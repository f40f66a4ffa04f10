"""Likely duplicates of contacts and organisations (docs/duplicates.md).

A contact looks like another with the same email address (any case), the same phone
number (its last ten digits, whatever the spacing or prefix), or a similar name in the
same organisation. An organisation looks like another with the same name, or a similar
name at the same postcode, or (on PostgreSQL, through the trigram index on names) a very
similar name anywhere. Each way of looking is an indexed lookup, gathered in one query per
record; names are compared in Python (``difflib``), the same on both databases.
"""

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

from casework.models import DuplicatePair
from enquiries.models import Contact, Organisation

SIMILAR_NAME = 0.75  # difflib ratio of two normalised names
VERY_SIMILAR_NAME = 0.88
MAX_CANDIDATES = 50


@dataclass
class Likely[T]:
    record: T
    score: float
    reasons: list[str] = field(default_factory=list)

    def add(self, score: float, reason: str) -> None:
        # The strongest reason, raised a little by each further one.
        self.score = round(min(1.0, max(self.score, score) + (0.03 if self.reasons else 0)), 2)
        self.reasons.append(reason)


def normalise(name: str) -> str:
    """Case, punctuation and spacing ignored: "St. Mary's PCC" is "st mary s pcc"."""
    return " ".join(re.sub(r"[\W_]+", " ", name).split()).casefold()


def name_similarity(a: str, b: str) -> float:
    return round(difflib.SequenceMatcher(None, normalise(a), normalise(b)).ratio(), 2)


def live_contacts() -> QuerySet[Contact]:
    return Contact.objects.filter(merged_into__isnull=True, erased_at__isnull=True)


def live_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True)


def contact_candidates(contact: Contact) -> QuerySet[Contact]:
    """The contacts ``contact_duplicates`` weighs (at most ``MAX_CANDIDATES``)."""
    ways = Q(pk__in=[])
    if contact.email:
        ways |= Q(email__iexact=contact.email)
    if contact.phone and len(contact.phone_key) >= 9:
        ways |= Q(phone_key=contact.phone_key) & ~Q(phone="")
    if contact.organisation_id:
        ways |= Q(organisation_id=contact.organisation_id)
    return live_contacts().filter(ways).exclude(pk=contact.pk)[:MAX_CANDIDATES]


def contact_duplicates(
    contact: Contact, candidates: Iterable[Contact] | None = None
) -> list[Likely[Contact]]:
    """Contacts that look like ``contact``, strongest first. One query, none given the
    ``contact_candidates`` already read."""
    if candidates is None:
        candidates = contact_candidates(contact)
    found = []
    for other in candidates:
        likely: Likely[Contact] = Likely(other, 0.0)
        if contact.email and other.email.lower() == contact.email.lower():
            likely.add(0.95, "same email address")
        if contact.phone and other.phone and other.phone_key == contact.phone_key:
            likely.add(0.8, "same phone number")
        similar = name_similarity(contact.name, other.name)
        if similar >= SIMILAR_NAME and contact.organisation_id == other.organisation_id:
            likely.add(0.5 + 0.45 * similar, f"similar name ({similar:.0%}) in the same group")
        if likely.reasons:
            found.append(likely)
    return sorted(found, key=lambda likely: (-likely.score, -likely.record.pk))


def organisation_candidates(organisation: Organisation) -> QuerySet[Organisation]:
    """The organisations ``organisation_duplicates`` weighs (at most ``MAX_CANDIDATES``)."""
    ways = Q(name__iexact=organisation.name)
    if organisation.postcode:
        ways |= Q(postcode=organisation.postcode)
    candidates = live_organisations().exclude(pk=organisation.pk)
    if connection.vendor == "postgresql":
        # The trigram index on UPPER(name) answers ``%`` (similarity above 0.3).
        ways |= Q(upper_name__trigram_similar=organisation.name.upper())
        candidates = candidates.alias(upper_name=Upper("name"))
    return candidates.filter(ways)[:MAX_CANDIDATES]


def organisation_duplicates(
    organisation: Organisation, candidates: Iterable[Organisation] | None = None
) -> list[Likely[Organisation]]:
    """Organisations that look like ``organisation``, strongest first. One query, none
    given the ``organisation_candidates`` already read."""
    if candidates is None:
        candidates = organisation_candidates(organisation)
    found = []
    for other in candidates:
        likely: Likely[Organisation] = Likely(other, 0.0)
        similar = name_similarity(organisation.name, other.name)
        same_place = bool(organisation.postcode) and other.postcode == organisation.postcode
        if similar == 1.0:
            likely.add(0.9 if same_place else 0.8, "same name")
        elif same_place and similar >= 0.5:
            likely.add(0.5 + 0.45 * similar, f"similar name ({similar:.0%}) at the same postcode")
        elif similar >= VERY_SIMILAR_NAME:
            likely.add(0.9 * similar, f"very similar name ({similar:.0%})")
        if likely.reasons and same_place and "same name" in likely.reasons:
            likely.reasons.append("same postcode")
        if likely.reasons:
            found.append(likely)
    return sorted(found, key=lambda likely: (-likely.score, -likely.record.pk))


@dataclass(frozen=True)
class PairView:
    pair: DuplicatePair
    record: Any
    other: Any


def open_pairs(kind: str | None = None) -> QuerySet[DuplicatePair]:
    pairs = DuplicatePair.objects.filter(dismissed_at__isnull=True)
    if kind:
        pairs = pairs.filter(kind=kind)
    return pairs.order_by("-record_id", "-score", "other_id")


def pair_views(pairs: list[DuplicatePair]) -> list[PairView]:
    """The pairs with both records, in two queries whatever the number; pairs whose
    records have since been merged or erased are left out."""
    wanted: dict[str, set[int]] = {"contact": set(), "organisation": set()}
    for pair in pairs:
        wanted[pair.kind] |= {pair.record_id, pair.other_id}
    records: dict[str, dict[int, Any]] = {
        "contact": live_contacts().select_related("organisation").in_bulk(wanted["contact"]),
        "organisation": live_organisations().in_bulk(wanted["organisation"]),
    }
    views = []
    for pair in pairs:
        record = records[pair.kind].get(pair.record_id)
        other = records[pair.kind].get(pair.other_id)
        if record is not None and other is not None:
            views.append(PairView(pair, record, other))
    return views


def triage_duplicates(
    *,
    contact: Contact,
    organisation: Organisation | None,
    rows: Mapping[str, list[Any]] | None = None,
) -> dict[str, list[Likely[Any]]]:
    """For the enquiry page: the contact's and the organisation's likely duplicates
    (``rows``: ``triage_candidates`` already read with the page's others)."""
    if rows is None:
        rows = {
            name: list(found)
            for name, found in triage_candidates(contact=contact, organisation=organisation).items()
        }
    return {
        "contacts": contact_duplicates(contact, rows["likely_contacts"])[:5]
        if not contact.erased_at
        else [],
        "organisations": organisation_duplicates(organisation, rows["likely_organisations"])[:5]
        if organisation is not None and not organisation.anonymised_at
        else [],
    }


def triage_candidates(
    *, contact: Contact, organisation: Organisation | None
) -> dict[str, QuerySet[Any]]:
    """The contacts and organisations ``triage_duplicates`` weighs, to read with a page's
    others."""
    return {
        "likely_contacts": contact_candidates(contact)
        if not contact.erased_at
        else Contact.objects.none(),
        "likely_organisations": organisation_candidates(organisation)
        if organisation is not None and not organisation.anonymised_at
        else Organisation.objects.none(),
    }
