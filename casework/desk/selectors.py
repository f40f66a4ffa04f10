"""Who may see which enquiry: every feature reads an enquiry through here, so someone else's
enquiry is a 404 everywhere."""

from typing import Any

from django.contrib.auth.models import User
from django.db.models import (
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
)
from django.http import Http404

from casework import policies
from casework.models import Assignment, TimeEntry
from config.rows import as_prefetched
from enquiries.models import Enquiry
from enquiries.references import is_reference
from enquiries.selectors import enquiry_base_queryset
from knowledgebase.models import Topic


def enquiry_visible_queryset(*, user: policies.User) -> QuerySet[Enquiry]:
    return enquiry_base_queryset().filter(policies.visible_enquiries_q(user))


def enquiry_get_for_user(
    *, user: policies.User, reference: str, with_history: bool = False, with_time: bool = False
) -> Enquiry:
    """One enquiry by reference, or 404 if it does not exist or is not the user's to see.
    ``with_history`` prefetches its assignments and secondary topics (``history_parts``)
    and, as ``with_time`` alone does, adds the time recorded on it (``time_minutes``)."""
    if not is_reference(reference):  # also keeps NUL bytes and the like away from the database
        raise Http404("No such enquiry")
    queryset = enquiry_visible_queryset(user=user).select_related(
        "organisation__local_authority",
        "local_authority__region",
        "logged_by",
        "contact",
        "topic__parent",
    )
    if with_history:
        queryset = queryset.prefetch_related(
            Prefetch("assignments", queryset=_assignments()),
            # Shown with the topic, and read by the routing verdict on the page.
            Prefetch("secondary_topics", queryset=_secondary_topics()),
        )
    if with_history or with_time:
        queryset = queryset.annotate(
            # The time recorded on it, for the page's total (``time_total_minutes``): a
            # subquery, so no join of the visibility rules can multiply it.
            time_minutes=Subquery(
                TimeEntry.objects.filter(enquiry=OuterRef("pk"))
                .order_by()
                .values("enquiry")
                .annotate(total=Sum("minutes"))
                .values("total")
            )
        )
    enquiry = queryset.filter(reference=reference).first()
    if enquiry is None:
        raise Http404("No such enquiry")
    return enquiry


def _assignments() -> QuerySet[Assignment]:
    return Assignment.objects.select_related("adviser__user", "team", "assigned_by")


def _secondary_topics() -> QuerySet[Topic]:
    return Topic.objects.select_related("parent")


def history_parts(*, enquiry: Enquiry) -> dict[str, QuerySet[Any]]:
    """What ``with_history`` prefetches, as rows to read with a page's others
    (``SharedPage.reads``); ``history_attach`` puts them on the enquiry."""
    return {
        "assignments": _assignments().filter(enquiry=enquiry),
        "secondary_topics": _secondary_topics().filter(secondary_enquiries=enquiry),
    }


def history_attach(*, enquiry: Enquiry, rows: dict[str, list[Any]]) -> None:
    """``history_parts``' rows as if prefetched: ``enquiry.assignments.all()`` and
    ``enquiry.secondary_topics.all()`` read no more."""
    for name in ("assignments", "secondary_topics"):
        as_prefetched(enquiry, name, rows[name])


def person(user: User | None) -> str | None:
    """How the desk names a member of staff: their full name, else their username."""
    return (user.get_full_name() or user.get_username()) if user else None
