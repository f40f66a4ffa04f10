"""The queues (mine, my teams', all), filtered and ordered through ``EnquiryFilter``, and the
facts routing reads: candidate advisers with their load, a topic's team, the advisers."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from casework import policies
from casework.desk.selectors import enquiry_visible_queryset
from casework.models import Absence, Adviser, Assignment, Deadline, Team
from casework.queue import filters as queue_filters
from casework.queue import remits
from casework.queue.filters import EnquiryFilter
from casework.queue.routing import Candidate
from config.errors import DomainError
from enquiries.models import Enquiry, Message, PersonalDataAccess, Status
from enquiries.notices import PREFERENCE_PATH
from knowledgebase.jurisdiction import ENGLAND
from knowledgebase.models import LocalAuthority, Nation, Topic


class Queue:
    MINE = "mine"
    TEAM = "team"
    ALL = "all"


def queues_for(user: policies.User) -> list[tuple[str, str]]:
    everything = "All enquiries" if policies.is_manager(user) else "All my teams' enquiries"
    return [
        (Queue.MINE, "My enquiries"),
        (Queue.TEAM, "My teams' unassigned"),
        (Queue.ALL, everything),
    ]


def enquiry_list(
    *, user: User, queue: str = Queue.ALL, filters: dict[str, Any] | None = None
) -> QuerySet[Enquiry]:
    """The enquiries ``user`` may see in ``queue``, filtered through the allow-listed FilterSet.

    Each carries ``next_deadline_on``: its nearest statutory deadline still to come, and
    ``sla_due_on``: the due date of its running service-level clock (None when paused or
    resolved), for ordering by time to breach.

    ``queue`` "all" is every visible enquiry (everything, for a manager).
    Without a status filter, queues show open enquiries only.
    """
    queryset = enquiry_visible_queryset(user=user).annotate(
        next_deadline_on=next_deadline_subquery(today=timezone.localdate()),
        sla_due_on=sla_due_expression(),
    )
    if queue == Queue.MINE:
        queryset = queryset.filter(assigned_to=user)
    elif queue == Queue.TEAM:
        queryset = queryset.filter(
            assigned_to__isnull=True,
            pk__in=Assignment.objects.filter(
                is_current=True, team_id__in=policies.adviser_team_ids(user)
            ).values("enquiry_id"),
        )
    filters = filters or {}
    if not filters.get("status"):
        queryset = queryset.filter(status__in=Status.open_values())
    filterset = EnquiryFilter(filters, queryset=queryset)
    if not filterset.is_valid():
        raise FilterError(filterset.errors)
    queryset = filterset.qs
    # The chosen order (or the queue's), then the id: pages never repeat or skip a tie.
    ordering = queryset.query.order_by if filters.get("ordering") else ("-priority", "received_at")
    return queryset.order_by(*ordering, "pk")


def next_deadline_subquery(*, today: date) -> Subquery:
    """The nearest statutory deadline ending today or later, per enquiry (an index lookup on
    ``deadline_enquiry_end_idx``); None when nothing is running."""
    return Subquery(
        Deadline.objects.filter(enquiry=OuterRef("pk"), ends_on__gte=today)
        .order_by("ends_on")
        .values("ends_on")[:1]
    )


def outside_england_expression() -> Case:
    """The name of the nation ("Wales") when the enquiry's area is outside England, where
    the desk's rights do not apply (``knowledgebase.jurisdiction``); "" in England or with no
    area. Annotated on the queue page's rows (``outside_england_in``): the list's own query
    joins the area's region, so the marker costs no query per row."""
    return Case(
        *(
            When(local_authority__region__nation=value, then=Value(label))
            for value, label in Nation.choices
            if value != ENGLAND
        ),
        default=Value(""),
        output_field=CharField(),
    )


def sla_due_expression() -> Case:
    """The due date of the service-level clock that matters now: first response until there
    is one, then resolution; None when paused or resolved (``enquiries.service_levels``)."""
    return Case(
        When(Q(resolved_at__isnull=False) | Q(sla_paused_since__isnull=False), then=None),
        When(first_response_at__isnull=True, then=F("first_response_due")),
        default=F("resolution_due"),
        output_field=DateField(),
    )


class FilterError(DomainError):
    """Filters the queue cannot apply: a 400 with the filter form's errors by field."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("Invalid filters")
        self.errors = errors

    def api_body(self) -> dict[str, list[str]]:
        return {name: list(messages) for name, messages in self.errors.items()}


def assignment_history(*, enquiry: Enquiry) -> QuerySet[Assignment]:
    return enquiry.assignments.select_related("adviser__user", "team", "assigned_by")


def current_assignment(*, enquiry: Enquiry) -> Assignment | None:
    return assignment_history(enquiry=enquiry).filter(is_current=True).first()


def _expert_in(topic: Topic) -> Exists:
    """The adviser (the outer row) has expertise in ``topic``: it, or its top-level topic."""
    return Exists(
        Adviser.topics.through.objects.filter(
            adviser_id=OuterRef("pk"), topic_id__in=[t for t in (topic.pk, topic.parent_id) if t]
        )
    )


def routing_candidates(
    *,
    topic: Topic | None,
    local_authority: LocalAuthority | None,
    today: date | None = None,
    secondary_topics: Sequence[Topic] = (),
    keep: dict[int, Adviser] | None = None,
    team: Team | None = None,
) -> list[Candidate]:
    """Every active adviser as a routing candidate, in one query: with each of the
    enquiry's ``secondary_topics`` (a few) they have expertise in, a column each.

    ``keep``: filled with the advisers by id, with their users and email preferences
    and whether each is in ``team`` (``in_routed_team``), so the chosen one needs no
    second read."""
    today = today or timezone.localdate()
    topic_ids = [t for t in (topic.pk, topic.parent_id) if t] if topic else []
    secondary = {f"covers_secondary_{i}": _expert_in(t) for i, t in enumerate(secondary_topics)}
    open_count = (
        Enquiry.objects.filter(assigned_to=OuterRef("user_id"), status__in=Status.open_values())
        .order_by()
        .values("assigned_to")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_assigned = (
        Assignment.objects.filter(adviser=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    covers = Exists(
        # No area: None matches no row (Django reads it as IS NULL; django-stubs refuses None).
        Adviser.local_authorities.through.objects.filter(  # type: ignore[misc]
            adviser_id=OuterRef("pk"),
            localauthority_id=local_authority.pk if local_authority else None,
        )
    ) | Exists(
        Adviser.regions.through.objects.filter(  # type: ignore[misc]  # as above
            adviser_id=OuterRef("pk"),
            region_id=local_authority.region_id if local_authority else None,
        )
    )
    advisers = (
        Adviser.objects.filter(is_active=True, user__is_active=True)
        .select_related("user", f"user__{PREFERENCE_PATH}")
        .annotate(
            in_routed_team=_in_team_column(team),
            open_count=Coalesce(Subquery(open_count, output_field=IntegerField()), 0),
            last_assigned_at=Subquery(last_assigned),
            is_away=Exists(
                Absence.objects.filter(
                    adviser=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today
                )
            ),
            has_expertise=Exists(
                Adviser.topics.through.objects.filter(
                    adviser_id=OuterRef("pk"), topic_id__in=topic_ids
                )
            ),
            covers_area=covers,
            **secondary,
        )
    )
    rows = list(advisers)
    if keep is not None:
        keep.update((a.pk, a) for a in rows)
    return [
        Candidate(
            adviser_id=a.pk,
            name=a.name,
            has_expertise=a.has_expertise,
            covers_area=bool(local_authority) and a.covers_area,
            open_count=a.open_count,
            capacity=a.capacity,
            is_away=a.is_away,
            secondary_covered=tuple(
                str(t)
                for i, t in enumerate(secondary_topics)
                if getattr(a, f"covers_secondary_{i}")
            ),
            # Local time, as the explanation shows it to people.
            last_assigned_at=(
                timezone.localtime(a.last_assigned_at) if a.last_assigned_at else None
            ),
        )
        for a in rows
    ]


def team_for_topic(*, topic: Topic | None) -> Team | None:
    """The team whose remit includes ``topic`` (the lowest-numbered, if several); else
    the triage team. Held per process (``remits``): no query while the remits hold."""
    if topic is not None:
        team = remits.team_for_topic_ids([t for t in (topic.pk, topic.parent_id) if t])
        if team is not None:
            return team
    return triage_team()


def _in_team_column(team: Team | None) -> Exists | Value:
    """Whether the adviser is in ``team`` (the queue's team); no team: not in it."""
    if team is None:
        return Value(False)
    return Exists(Adviser.teams.through.objects.filter(adviser_id=OuterRef("pk"), team_id=team.pk))


def triage_team() -> Team | None:
    return remits.triage_team()


def adviser_list() -> QuerySet[Adviser]:
    return (
        Adviser.objects.filter(is_active=True)
        .select_related("user")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
    )


# The queue's age filter, in the words the caseload report counts by.
AGE_BUCKETS = queue_filters.AGE_BUCKETS
AGE_CHOICES = queue_filters.AGE_CHOICES


def unread_replies(*, user: User, enquiry_ids: list[int]) -> set[int]:
    """The enquiries among ``enquiry_ids`` with a message from the group that ``user`` has
    not seen: sent after they last opened the enquiry's page, or never opened. Two queries
    for a page of the queue, whatever its length."""
    if not enquiry_ids:
        return set()
    seen = dict(
        PersonalDataAccess.objects.filter(viewer=user, enquiry_id__in=enquiry_ids)
        .order_by()
        .values_list("enquiry_id")
        .annotate(last=Max("viewed_at"))
    )
    latest = (
        Message.objects.filter(enquiry_id__in=enquiry_ids, sender=Message.Sender.GROUP)
        .order_by()
        .values_list("enquiry_id")
        .annotate(at=Max("created_at"))
    )
    return {pk for pk, at in latest if pk not in seen or at > seen[pk]}
