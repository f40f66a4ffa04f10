"""Desk search: one box that finds the enquiries, cases, contacts and organisations a
user may see, by reference, name, email, postcode, organisation, asset, and the words of
an enquiry, its messages and its internal notes.

Visibility comes from the features' own selectors, so someone else's record never
appears and no count includes it. Each kind of record is one query whatever the number
of matches (``MATCH_LIMIT`` shown, and how many there are).

Matching: a reference (the desk's, or an imported enquiry's old one), a case number, an
email address or a postcode is looked up exactly. Other words find enquiries through
one row of words each (its own words, its people's and group's names, its updates' and
internal notes' words): a search document on PostgreSQL (``casework.models.search``), an
FTS5 row on SQLite (``casework.search.fts5``), whole words, stemmed, either way. Cases,
contacts and organisations are found by substring (trigram indexes on PostgreSQL).
Internal notes are searched for everyone who can search: desk search is for desk staff
only, and any desk staff who may see an enquiry may read its notes.
"""

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Model,
    Prefetch,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Lower

from casework import policies
from casework.cases import selectors as case_selectors
from casework.enquiry import selectors as enquiry_selectors
from casework.models import Case, EnquirySearchDocument
from casework.search import fts5
from enquiries.models import Contact, Enquiry, Organisation
from enquiries.references import is_reference
from enquiries.selectors import enquiry_base_queryset
from enquiries.validation import normalise_postcode

MATCH_LIMIT = 20


# "Newest first" that no index can answer: the planner then sorts the few matches by key,
# instead of walking the date index hoping to meet them (bench/search_bench.py).
def _newest() -> ExpressionWrapper[CombinedExpression]:
    return ExpressionWrapper(F("received_at") + Value(timedelta(0)), output_field=DateTimeField())


# By name, case aside: an order the name's btree index cannot give, so the planner finds
# the matches through the trigram index and sorts them, where it walked the whole name
# index for the first 20 that contain the query (an organisation's name at 1M: 22 -> 1 ms).
_BY_NAME = (Lower("name"), "pk")
# How many of each contact's and organisation's enquiries are listed with them.
PARTY_ENQUIRIES = 5

# On PostgreSQL, at most this many matching enquiries (the newest); a count that reaches
# it is shown as "at least".
CANDIDATE_LIMIT = 200
# The newest documents searched first (``_enquiry_candidates``), and how long a process
# keeps the date where they begin.
RECENT_WINDOW = 20_000
RECENT_TTL = 600.0
_recent: tuple[datetime | None, float] | None = None
_CASE_NUMBER = re.compile(r"^case-?0*(\d{1,9})$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Found[T]:
    items: list[T]
    count: int

    @property
    def at_least(self) -> bool:
        """The count may be short of the total (a way of matching hit its limit)."""
        return self.count >= CANDIDATE_LIMIT


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
    except ValidationError:  # not a postcode: searched as words
        return None


def _words_query(query: str) -> SearchQuery:
    """The words as typed, through ``websearch_to_tsquery`` (quotes, ``or`` and ``-``
    work; nothing typed is parsed as ``to_tsquery`` syntax). Whole words, stemmed: part
    of a name ("wolsten") finds the person under contacts, whose enquiries are listed
    with them, not among the enquiries."""
    return SearchQuery(query, search_type="websearch", config="english")


def _recent_since() -> datetime | None:
    """The received date of the ``RECENT_WINDOW``-th newest search document (None on a
    desk with fewer), read at most once per ``RECENT_TTL`` seconds per process. Any date
    serves (see ``_enquiry_candidates``): one a little old only widens the window."""
    global _recent
    now = time.monotonic()
    if _recent is None or _recent[1] < now:
        since = (
            EnquirySearchDocument.objects.order_by("-received_at")
            .values_list("received_at", flat=True)[RECENT_WINDOW - 1 : RECENT_WINDOW]
            .first()
        )
        _recent = (since, now + RECENT_TTL)
    return _recent[0]


def _enquiry_candidates(query: str, visible: Q, documents_q: Q) -> list[int]:
    """Ids of the enquiries whose own words, people, group, updates or notes match.

    PostgreSQL: the enquiries' search documents (one stored ``tsvector`` each, one GIN
    index; ``casework.models.search``), narrowed by the adviser's visibility columns
    beside the words, the ``CANDIDATE_LIMIT`` newest kept. First among the newest
    ``RECENT_WINDOW`` documents only: if that finds as many, they are the newest of all
    (every older match is older than the window); if not, among all of them. The window
    spares the planner a guess it gets wrong: it takes words that come together ("car
    park", "covenant") as independent, expects a few hundred matches where there are
    90,000, and sorts them all (320 ms at 1M) instead of walking the date index.

    SQLite: the same words in an FTS5 table (``casework.search.fts5``), the adviser's
    visibility checked on the enquiries, its ``CANDIDATE_LIMIT`` newest kept."""
    if connection.vendor == "postgresql":
        documents = EnquirySearchDocument.objects.filter(document=_words_query(query))
        if visible:  # an adviser: only what they may see, before the newest are kept
            documents = documents.filter(documents_q)
        newest = documents.order_by("-received_at").values_list("enquiry_id", flat=True)
        since = _recent_since()
        if since is not None:
            recent = list(newest.filter(received_at__gte=since)[:CANDIDATE_LIMIT])
            if len(recent) == CANDIDATE_LIMIT:
                return recent
        return list(newest[:CANDIDATE_LIMIT])
    expression = fts5.match_expression(query)
    if expression is None:  # only common words: nothing to look for, as on PostgreSQL
        return []
    matching = Enquiry.objects.filter(pk__in=fts5.matching_ids(expression))
    if visible:
        matching = matching.filter(visible)
    return list(matching.order_by("-received_at").values_list("pk", flat=True)[:CANDIDATE_LIMIT])


def _postcode_or_legacy(postcode: str, legacy_references: set[str]) -> QuerySet[Any, Any]:
    """Ids of the enquiries of the organisations at ``postcode``, and of those imported
    with the query as their old reference: each an index lookup, then their union. (As
    ``organisation.postcode = … OR legacy_reference = …`` across the join, no index could
    answer it: PostgreSQL read every enquiry an adviser may see, and at 100,000 the
    estimate switched its JIT compiler on, 2 s; docs/performance.md.)"""
    at_postcode = Enquiry.objects.filter(organisation__postcode=postcode).values("pk").order_by()
    imported = (
        Enquiry.objects.filter(legacy_reference__in=legacy_references).values("pk").order_by()
    )
    return at_postcode.union(imported, all=True)


def _enquiry_q(query: str, visible: Q, documents_q: Q) -> Q:
    if is_reference(query.upper()):
        return Q(reference=query.upper())
    if _EMAIL.match(query):
        return Q(contact__email__iexact=query)
    # The reference an imported enquiry had in the system it came from, as typed or in
    # capitals (an indexed lookup, like the desk's own reference).
    legacy_references = {query, query.upper()}
    legacy = Q(legacy_reference__in=legacy_references) if len(query) <= 60 else Q()
    postcode = _postcode(query)
    if postcode:
        return Q(pk__in=_postcode_or_legacy(postcode, legacy_references))
    # Read first: a list of at most a few thousand ids is looked up by primary key, where a
    # subquery would have the planner hash-join it against every enquiry.
    ids = _enquiry_candidates(query, visible, documents_q)
    return Q(pk__in=ids) | legacy


def _found[T: Model](queryset: QuerySet[T]) -> Found[T]:
    """The first ``MATCH_LIMIT`` and how many there are, in one query."""
    items = list(queryset.annotate(found_total=Window(Count("pk")))[:MATCH_LIMIT])
    return Found(items, getattr(items[0], "found_total", 0) if items else 0)


def desk_search(*, user: policies.User, query: str) -> DeskResults:
    query = " ".join(query.split())
    # The visibility rule read once (an adviser's teams are a query), used in every branch.
    visible_q, documents_q = policies.visible_enquiries_and_documents_q(user)
    visible = enquiry_base_queryset().filter(visible_q)
    enquiries = (
        visible.filter(_enquiry_q(query, visible_q, documents_q))
        .select_related("contact")
        # Sorting the few matches, not walking the date index looking for them.
        .order_by(_newest().desc(), "-pk")
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
    # Each person's and group's newest few (the page and the API show five), not every
    # enquiry of a group with hundreds.
    recent = (
        visible.select_related(None)
        .only("pk", "reference", "contact_id", "organisation_id")
        .order_by("-received_at")[:PARTY_ENQUIRIES]
    )
    party_enquiries = Prefetch("enquiries", queryset=recent, to_attr="visible_enquiries")
    contact_q = Q(email__iexact=query) if _EMAIL.match(query) else Q(name__icontains=query)
    contacts = (
        enquiry_selectors.contact_list_for_user(user=user)
        .filter(contact_q)
        .order_by(*_BY_NAME)
        .prefetch_related(party_enquiries)
    )
    postcode = _postcode(query)
    organisation_q = Q(postcode=postcode) if postcode else Q(name__icontains=query)
    organisations = (
        enquiry_selectors.organisation_list_for_user(user=user)
        .filter(organisation_q)
        .order_by(*_BY_NAME)
        .prefetch_related(party_enquiries)
    )
    return DeskResults(
        query=query,
        enquiries=_found(enquiries),
        cases=_found(cases),
        contacts=_found(contacts),
        organisations=_found(organisations),
    )
