"""Reads for outcomes and cases. Visibility is decided here: a case the user may not see is
a 404. Each read runs a fixed number of queries however many rows there are."""

from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.models import User
from django.db.models import Count, Exists, Field, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from casework import policies
from casework.desk import selectors as desk_selectors
from casework.models import Case, CaseEnquiry, CaseEvent, Outcome
from casework.workspace.selectors import (
    TIMELINE_LIMIT,
    TimelineEntry,
    event_describe,
    person,
    timeline_entries,
)
from enquiries.models import Enquiry, EnquiryEvent
from knowledgebase.models import Topic


class CaseList:
    MINE = "mine"
    ALL = "all"


def case_lists_for(user: policies.User) -> list[tuple[str, str]]:
    everything = "All cases" if policies.is_manager(user) else "All cases I can see"
    return [(CaseList.MINE, "Cases I lead"), (CaseList.ALL, everything)]


def case_visible_queryset(*, user: policies.User) -> QuerySet[Case]:
    """Managers see every case; other desk staff the cases they lead and those holding an
    enquiry they can see; anyone else none."""
    if policies.is_manager(user):
        return Case.objects.all()
    if not policies.is_staff_member(user):
        return Case.objects.none()
    holds_visible = Exists(
        CaseEnquiry.objects.filter(
            case=OuterRef("pk"),
            enquiry__in=desk_selectors.enquiry_visible_queryset(user=user).values("pk"),
        )
    )
    return Case.objects.filter(Q(lead_adviser__user=user) | Q(holds_visible))


def case_list(*, user: User, show: str = CaseList.MINE) -> QuerySet[Case]:
    """Newest first, with the lead adviser and the number of enquiries (one query a page)."""
    cases = case_visible_queryset(user=user)
    if show != CaseList.ALL:
        cases = cases.filter(lead_adviser__user=user)
    return (
        cases.select_related("lead_adviser__user")
        .annotate(enquiry_count=Count("case_enquiries"))
        .order_by("-opened_at", "-id")
    )


def case_get_for_user(*, user: policies.User, case_id: int) -> Case:
    case = (
        case_visible_queryset(user=user)
        .select_related("lead_adviser__user", "opened_by")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404("No such case")
    return case


def case_enquiries(*, case: Case) -> list[Enquiry]:
    """The case's enquiries, in the order they were added."""
    links = CaseEnquiry.objects.filter(case=case).select_related("enquiry__assigned_to")
    return [link.enquiry for link in links.order_by("added_at", "id")]


def case_enquiries_with_topics(*, case: Case) -> list[Enquiry]:
    """``case_enquiries`` with each enquiry's topic and its "also about" (secondary) topics,
    for ``case_topics``: one query for the enquiries and their topics, one for the
    secondary topics, however many enquiries the case holds."""
    links = (
        CaseEnquiry.objects.filter(case=case)
        .select_related("enquiry__assigned_to", "enquiry__topic__parent")
        .prefetch_related(
            Prefetch(
                "enquiry__secondary_topics",
                queryset=Topic.objects.select_related("parent").order_by("position", "name"),
            )
        )
    )
    return [link.enquiry for link in links.order_by("added_at", "id")]


@dataclass(frozen=True)
class CaseTopics:
    """What a case is about, from its enquiries (a case has no topic of its own): each
    enquiry's topic, and what they are also about (secondary topics that are no enquiry's
    topic), each once, in the order the enquiries were added."""

    primary: tuple[Topic, ...]
    also_about: tuple[Topic, ...]

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "primary": [str(t) for t in self.primary],
            "also_about": [str(t) for t in self.also_about],
        }


def case_topics(*, enquiries: list[Enquiry]) -> CaseTopics:
    """``CaseTopics`` of enquiries read by ``case_enquiries_with_topics`` (no query)."""
    primary = list(dict.fromkeys(e.topic for e in enquiries if e.topic is not None))
    seen = set(primary)
    also = [
        topic
        for topic in dict.fromkeys(t for e in enquiries for t in e.secondary_topics.all())
        if topic not in seen
    ]
    return CaseTopics(primary=tuple(primary), also_about=tuple(also))


def case_for_enquiry(*, enquiry: Enquiry) -> Case | None:
    link = next(iter(case_link_rows(enquiry=enquiry)), None)
    return link.case if link else None


def case_link_rows(*, enquiry: Enquiry) -> QuerySet[CaseEnquiry]:
    """The enquiry's link to its case (at most one row) with the case, as
    ``case_for_enquiry`` reads it: to read with a page's others."""
    return (
        CaseEnquiry.objects.filter(enquiry=enquiry)
        .select_related("case")
        .order_by("added_at", "id")[:1]
    )


def outcome_list(*, enquiry: Enquiry | None = None, case: Case | None = None) -> QuerySet[Outcome]:
    outcomes = Outcome.objects.select_related("recorded_by", "enquiry")
    outcomes = outcomes.filter(case=case) if case is not None else outcomes.filter(enquiry=enquiry)
    return outcomes.order_by("-recorded_at", "-id")


def case_list_with_enquiries(*, user: User, show: str = CaseList.MINE) -> QuerySet[Case]:
    """As ``case_list``, with each case's enquiry references (the API; two queries)."""
    return case_list(user=user, show=show).prefetch_related(
        Prefetch("case_enquiries", queryset=CaseEnquiry.objects.select_related("enquiry"))
    )


def case_event_describe(event: CaseEvent) -> str:
    data: dict[str, Any] = event.data or {}
    if event.kind == CaseEvent.Kind.STATUS_CHANGED:
        labels: dict[str | None, str] = dict(Case.Status.choices)
        before, after = data.get("from"), data.get("to")
        return (
            f"Case status changed from {labels.get(before, before)} to {labels.get(after, after)}"
        )
    if event.kind == CaseEvent.Kind.DETAILS_EDITED and data.get("fields"):
        fields = [cast("Field[Any, Any]", Case._meta.get_field(name)) for name in data["fields"]]
        names = [str(field.verbose_name) for field in fields]
        return f"Case details edited: {', '.join(names)}"
    if event.kind == CaseEvent.Kind.OUTCOME_RECORDED:
        return f"Outcome recorded on {data.get('enquiry')}: {data.get('outcome')}"
    if data.get("enquiry"):
        return f"{event.get_kind_display()}: {data['enquiry']}"
    return event.get_kind_display()


def case_timeline(*, case: Case, enquiries: list[Enquiry]) -> list[TimelineEntry]:
    """The case's own events and its enquiries' audit trails, newest first, bounded to the
    newest 200 (two queries)."""
    entries = timeline_entries(
        CaseEvent.objects.filter(case=case).select_related("actor"),
        ident="case-event",
        line=lambda e: {
            "label": e.get_kind_display(),
            "actor": person(e.actor),
            "text": case_event_describe(e),
        },
        kind="case",
        internal=True,
    )
    references = {e.pk: e.reference for e in enquiries}
    entries += timeline_entries(
        EnquiryEvent.objects.filter(enquiry_id__in=list(references)).select_related("actor"),
        ident="event",
        line=lambda e: {
            "label": f"{references[e.enquiry_id]}: {e.get_kind_display()}",
            "actor": person(e.actor),
            "text": event_describe(e),
        },
        kind="enquiry",
        internal=True,
    )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:TIMELINE_LIMIT]
