"""Desk search: one box that finds the enquiries, cases, contacts and organisations a
user may see, by reference, name, email, postcode, organisation, asset, and the words of
an enquiry, its messages and its internal notes.

Visibility comes from the features' own selectors, so someone else's record never
appears and no count includes it. Each kind of record is one query whatever the number
of matches (``MATCH_LIMIT`` shown, and how many there are).

Matching: a reference (the desk's, or an imported enquiry's old one), a case number, an
email address or a postcode is looked up exactly; other words match names and assets by
substring (a trigram index on PostgreSQL) and the text of enquiries, messages and notes
by full-text search on PostgreSQL (GIN indexes on ``to_tsvector('english', ...)``,
migration ``casework 0013``) or by substring on SQLite.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
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

from casework import policies
from casework.cases import selectors as case_selectors
from casework.enquiry import selectors as enquiry_selectors
from casework.models import Case, Note
from enquiries.models import Contact, Enquiry, Message, Organisation
from enquiries.references import is_reference
from enquiries.selectors import enquiry_base_queryset
from enquiries.validation import normalise_postcode

MATCH_LIMIT = 20


# "Newest first" that no index can answer: the planner then gathers the matches through
# the search indexes and keeps the newest, instead of walking the date index hoping to
# meet matches (seconds for a rare word at 1M; bench/search_bench.py).
def _newest(model: type[Model]) -> ExpressionWrapper[CombinedExpression]:
    field = "received_at" if model is Enquiry else "created_at"
    return ExpressionWrapper(F(field) + Value(timedelta(0)), output_field=DateTimeField())


# On PostgreSQL, each way an enquiry can match gives at most this many (the newest); a
# count that reaches it is shown as "at least".
CANDIDATE_LIMIT = 200
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


def _text(field: str, query: str) -> Q:
    """Words in a long text: full-text search on PostgreSQL (the ``search`` lookup compiles
    to the indexed ``to_tsvector('english', COALESCE(field, ''))``), a substring on SQLite."""
    if connection.vendor == "postgresql":
        words = SearchQuery(query, search_type="websearch", config="english")
        return Q(**{f"{field}__search": words})
    return Q(**{f"{field}__icontains": query})


def _enquiry_candidates(query: str, visible: Q) -> QuerySet[Enquiry, Any]:
    """Ids of the enquiries whose own words, people, group, messages or notes match. On
    PostgreSQL each way of matching gives at most its ``CANDIDATE_LIMIT`` newest, so a
    common surname (20,000 enquiries at 1M) costs a top-N, not a sort of all of them.
    Messages and notes are searched in their own tables (joined to enquiries only to
    apply an adviser's visibility); the outer query applies it to every branch."""
    own = Enquiry.objects.filter(
        _text("subject", query) | _text("message", query) | Q(asset_name__icontains=query)
    )
    people = Enquiry.objects.filter(
        contact__in=Contact.objects.filter(name__icontains=query).values("pk")
    )
    groups = Enquiry.objects.filter(
        organisation__in=Organisation.objects.filter(name__icontains=query).values("pk")
    )
    messages = Message.objects.filter(_text("body", query))
    notes = Note.objects.filter(_text("body", query))
    if visible:  # an adviser: only what they may see, before the newest are kept
        own, people, groups = (branch.filter(visible) for branch in (own, people, groups))
        scope = Enquiry.objects.filter(visible).values("pk")
        messages, notes = messages.filter(enquiry__in=scope), notes.filter(enquiry__in=scope)
    if not connection.features.supports_slicing_ordering_in_compound:
        plain: list[QuerySet[Any, Any]] = [
            *(branch.values("pk").order_by() for branch in (own, people, groups)),
            *(branch.values("enquiry_id").order_by() for branch in (messages, notes)),
        ]
        return plain[0].union(*plain[1:]).order_by()
    # Words: gather the matches from the full-text index and keep the newest (``_newest``
    # hides the date index from the planner). Names: many enquiries can share one (a
    # surname, "Association"), so there the planner may walk the date index instead.
    capped: list[QuerySet[Any, Any]] = [
        own.annotate(newest=_newest(Enquiry)).values("pk", "newest"),
        people.annotate(newest=F("received_at")).values("pk", "newest"),
        groups.annotate(newest=F("received_at")).values("pk", "newest"),
        messages.annotate(newest=_newest(Message)).values("enquiry_id", "newest"),
        notes.annotate(newest=_newest(Note)).values("enquiry_id", "newest"),
    ]
    first, *rest = (branch.order_by("-newest")[:CANDIDATE_LIMIT] for branch in capped)
    return first.union(*rest).order_by()


def _enquiry_q(query: str, visible: Q) -> Q:
    if is_reference(query.upper()):
        return Q(reference=query.upper())
    if _EMAIL.match(query):
        return Q(contact__email__iexact=query)
    # The reference an imported enquiry had in the system it came from, as typed or in
    # capitals (an indexed lookup, like the desk's own reference).
    legacy = Q(legacy_reference__in={query, query.upper()}) if len(query) <= 60 else Q()
    postcode = _postcode(query)
    if postcode:
        return Q(organisation__postcode=postcode) | legacy
    # Read first: a list of at most a few thousand ids is looked up by primary key, where a
    # subquery would have the planner hash-join it against every enquiry.
    ids = [next(iter(row.values())) for row in _enquiry_candidates(query, visible)]
    return Q(pk__in=ids) | legacy


def _found[T: Model](queryset: QuerySet[T]) -> Found[T]:
    """The first ``MATCH_LIMIT`` and how many there are, in one query."""
    items = list(queryset.annotate(found_total=Window(Count("pk")))[:MATCH_LIMIT])
    return Found(items, getattr(items[0], "found_total", 0) if items else 0)


def desk_search(*, user: policies.User, query: str) -> DeskResults:
    query = " ".join(query.split())
    # The visibility rule read once (an adviser's teams are a query), used in every branch.
    visible_q = policies.visible_enquiries_q(user)
    visible = enquiry_base_queryset().filter(visible_q)
    enquiries = (
        visible.filter(_enquiry_q(query, visible_q))
        .select_related("contact")
        # Sorting the few matches, not walking the date index looking for them.
        .order_by(_newest(Enquiry).desc(), "-pk")
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
