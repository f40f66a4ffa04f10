"""Desk search: one box that finds the enquiries, cases, contacts and organisations a
user may see, by reference, name, email, postcode, organisation, asset, and the words of
an enquiry, its messages and its internal notes.

Visibility comes from the features' own selectors, so someone else's record never
appears and no count includes it. Each kind of record is one query whatever the number
of matches (``MATCH_LIMIT`` shown, and how many there are).

Matching: a reference, a case number, an email address or a postcode is looked up
exactly; other words match names and assets by substring (a trigram index on
PostgreSQL) and the text of enquiries, messages and notes by full-text search on
PostgreSQL (GIN indexes on ``to_tsvector('english', ...)``, migration
``casework 0013``) or by substring on SQLite.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Count, Model, Prefetch, Q, QuerySet, Window

from casework import policies
from casework.cases import selectors as case_selectors
from casework.desk import selectors as desk_selectors
from casework.enquiry import selectors as enquiry_selectors
from casework.models import Case, Note
from enquiries.models import Contact, Enquiry, Message, Organisation
from enquiries.references import is_reference
from enquiries.validation import normalise_postcode

MATCH_LIMIT = 20
_CASE_NUMBER = re.compile(r"^case-?0*(\d{1,9})$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Found[T]:
    items: list[T]
    count: int


@dataclass(frozen=True)
class DeskResults:
    query: str
    enquiries: Found[Enquiry]
    cases: Found[Case]
    contacts: Found[Contact]
    organisations: Found[Organisation]

    @property
    def total(self) -> int:
        return sum(
            found.count for found in (self.enquiries, self.cases, self.contacts, self.organisations)
        )


def _postcode(query: str) -> str | None:
    try:
        return normalise_postcode(query)
    except Exception:  # not a postcode: searched as words
        return None


def _text(field: str, query: str) -> Q:
    """Words in a long text: full-text search on PostgreSQL (the ``search`` lookup compiles
    to the indexed ``to_tsvector('english', COALESCE(field, ''))``), a substring on SQLite."""
    if connection.vendor == "postgresql":
        words = SearchQuery(query, search_type="websearch", config="english")
        return Q(**{f"{field}__search": words})
    return Q(**{f"{field}__icontains": query})


def _enquiry_candidates(query: str) -> QuerySet[Enquiry, Any]:
    """Ids of enquiries whose own words, messages or notes match (no visibility yet)."""
    own = Enquiry.objects.filter(
        _text("subject", query) | _text("message", query) | Q(asset_name__icontains=query)
    ).values("pk")
    people = Enquiry.objects.filter(
        contact__in=Contact.objects.filter(name__icontains=query).values("pk")
    ).values("pk")
    groups = Enquiry.objects.filter(
        organisation__in=Organisation.objects.filter(name__icontains=query).values("pk")
    ).values("pk")
    messages = Message.objects.filter(_text("body", query)).values("enquiry_id")
    notes = Note.objects.filter(_text("body", query)).values("enquiry_id")
    return own.union(people, groups, messages, notes)


def _enquiry_q(query: str) -> Q:
    if is_reference(query.upper()):
        return Q(reference=query.upper())
    if _EMAIL.match(query):
        return Q(contact__email__iexact=query)
    postcode = _postcode(query)
    if postcode:
        return Q(organisation__postcode=postcode)
    return Q(pk__in=_enquiry_candidates(query))


def _found[T: Model](queryset: QuerySet[T]) -> Found[T]:
    """The first ``MATCH_LIMIT`` and how many there are, in one query."""
    items = list(queryset.annotate(found_total=Window(Count("pk")))[:MATCH_LIMIT])
    return Found(items, getattr(items[0], "found_total", 0) if items else 0)


def desk_search(*, user: policies.User, query: str) -> DeskResults:
    query = " ".join(query.split())
    visible = desk_selectors.enquiry_visible_queryset(user=user)
    enquiries = (
        visible.filter(_enquiry_q(query)).select_related("contact").order_by("-received_at", "-pk")
    )
    case_number = _CASE_NUMBER.match(query)
    case_q = (
        Q(pk=int(case_number[1]))
        if case_number
        else Q(title__icontains=query)
        | Q(asset_name__icontains=query)
        | Q(plan_name__icontains=query)
    )
    cases = (
        case_selectors.case_visible_queryset(user=user)
        .filter(case_q)
        .select_related("lead_adviser__user")
        .order_by("-opened_at", "-pk")
    )
    recent = (
        visible.select_related(None)
        .only("pk", "reference", "contact_id", "organisation_id")
        .order_by("-received_at")
    )
    contact_q = Q(email__iexact=query) if _EMAIL.match(query) else Q(name__icontains=query)
    contacts = (
        enquiry_selectors.contact_list_for_user(user=user)
        .filter(contact_q)
        .prefetch_related(Prefetch("enquiries", queryset=recent, to_attr="visible_enquiries"))
    )
    postcode = _postcode(query)
    organisation_q = Q(postcode=postcode) if postcode else Q(name__icontains=query)
    organisations = (
        enquiry_selectors.organisation_list_for_user(user=user)
        .filter(organisation_q)
        .prefetch_related(Prefetch("enquiries", queryset=recent, to_attr="visible_enquiries"))
    )
    return DeskResults(
        query=query,
        enquiries=_found(enquiries),
        cases=_found(cases),
        contacts=_found(contacts),
        organisations=_found(organisations),
    )
