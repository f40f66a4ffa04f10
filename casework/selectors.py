"""Reads for the staff desk. Visibility is decided here: what a user may not see is a 404."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from casework import policies
from casework.deadlines import cautious_end
from casework.filters import EnquiryFilter
from casework.models import Absence, Adviser, Assignment, Deadline, KeyDate, Outcome, Team
from casework.routing import Candidate
from enquiries.models import Contact, Enquiry, Organisation, Status
from enquiries.references import is_reference
from enquiries.selectors import contact_list, enquiry_base_queryset, organisation_list
from knowledgebase.models import DeadlineRule, LocalAuthority, Topic


class Queue:
    MINE = "mine"
    TEAM = "team"
    ALL = "all"


def queues_for(user) -> list[tuple[str, str]]:
    everything = "All enquiries" if policies.is_manager(user) else "All my teams' enquiries"
    return [
        (Queue.MINE, "My enquiries"),
        (Queue.TEAM, "My teams' unassigned"),
        (Queue.ALL, everything),
    ]


def enquiry_visible_queryset(*, user) -> QuerySet[Enquiry]:
    return enquiry_base_queryset().filter(policies.visible_enquiries_q(user))


def enquiry_list(*, user, queue: str = Queue.ALL, filters: dict | None = None) -> QuerySet[Enquiry]:
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


def sla_due_expression() -> Case:
    """The due date of the service-level clock that matters now: first response until there
    is one, then resolution; None when paused or resolved (``enquiries.service_levels``)."""
    return Case(
        When(Q(resolved_at__isnull=False) | Q(sla_paused_since__isnull=False), then=None),
        When(first_response_at__isnull=True, then=F("first_response_due")),
        default=F("resolution_due"),
        output_field=DateField(),
    )


class FilterError(Exception):
    def __init__(self, errors):
        super().__init__("Invalid filters")
        self.errors = errors


def enquiry_get_for_user(*, user, reference: str, with_history: bool = False) -> Enquiry:
    """One enquiry by reference, or 404 if it does not exist or is not the user's to see."""
    if not is_reference(reference):  # also keeps NUL bytes and the like away from the database
        raise Http404("No such enquiry")
    queryset = enquiry_visible_queryset(user=user).select_related(
        "organisation__local_authority", "logged_by", "contact", "topic__parent"
    )
    if with_history:
        queryset = queryset.prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("adviser__user", "team", "assigned_by"),
            )
        )
    enquiry = queryset.filter(reference=reference).first()
    if enquiry is None:
        raise Http404("No such enquiry")
    return enquiry


def assignment_history(*, enquiry: Enquiry) -> QuerySet[Assignment]:
    return enquiry.assignments.select_related("adviser__user", "team", "assigned_by")


def current_assignment(*, enquiry: Enquiry) -> Assignment | None:
    return assignment_history(enquiry=enquiry).filter(is_current=True).first()


def routing_candidates(
    *, topic: Topic | None, local_authority: LocalAuthority | None, today: date | None = None
) -> list[Candidate]:
    """Every active adviser as a routing candidate, in one query."""
    today = today or timezone.localdate()
    topic_ids = [t for t in (topic.pk, topic.parent_id) if t] if topic else []
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
        Adviser.local_authorities.through.objects.filter(
            adviser_id=OuterRef("pk"),
            localauthority_id=local_authority.pk if local_authority else None,
        )
    ) | Exists(
        Adviser.regions.through.objects.filter(
            adviser_id=OuterRef("pk"),
            region_id=local_authority.region_id if local_authority else None,
        )
    )
    advisers = (
        Adviser.objects.filter(is_active=True, user__is_active=True)
        .select_related("user")
        .annotate(
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
        )
    )
    return [
        Candidate(
            adviser_id=a.pk,
            name=a.name,
            has_expertise=a.has_expertise,
            covers_area=bool(local_authority) and a.covers_area,
            open_count=a.open_count,
            capacity=a.capacity,
            is_away=a.is_away,
            # Local time, as the explanation shows it to people.
            last_assigned_at=(
                timezone.localtime(a.last_assigned_at) if a.last_assigned_at else None
            ),
        )
        for a in advisers
    ]


def team_for_topic(*, topic: Topic | None) -> Team | None:
    """The team whose remit includes ``topic``; else the triage team."""
    if topic is not None:
        team = (
            Team.objects.filter(topics__in=[t for t in (topic.pk, topic.parent_id) if t])
            .order_by("pk")
            .first()
        )
        if team is not None:
            return team
    return Team.objects.filter(is_triage=True).first()


def adviser_list() -> QuerySet[Adviser]:
    return (
        Adviser.objects.filter(is_active=True)
        .select_related("user")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
    )


def organisation_list_for_user(*, user) -> QuerySet[Organisation]:
    """Organisations linked to an enquiry ``user`` may see; any other is a 404."""
    visible = enquiry_visible_queryset(user=user).filter(organisation__isnull=False)
    return organisation_list().filter(pk__in=visible.values("organisation_id"))


def contact_list_for_user(*, user) -> QuerySet[Contact]:
    """Contacts linked to an enquiry ``user`` may see; any other is a 404."""
    return contact_list().filter(pk__in=enquiry_visible_queryset(user=user).values("contact_id"))


# --- statutory clocks: rules, key dates and their deadlines ------------------------------------


def deadline_rules_active() -> list[DeadlineRule]:
    """Every active clock, in the order DOMAIN.md lists them (one query)."""
    return list(DeadlineRule.objects.filter(is_active=True).order_by("position", "pk"))


def deadline_rule_get(*, slug: str) -> DeadlineRule | None:
    return DeadlineRule.objects.filter(slug=slug, is_active=True).first()


@dataclass(frozen=True)
class Trigger:
    """A key date an adviser can record, and the clocks it starts."""

    slug: str
    label: str
    rules: tuple[DeadlineRule, ...]


def key_date_triggers(rules: list[DeadlineRule] | None = None) -> list[Trigger]:
    """The key dates advisers record: every trigger of an active rule that is not policy.

    The retention review is the desk's own clock (it starts when a case closes), so
    nobody records it. The label is the first rule's wording of the start.
    """
    grouped: dict[str, list[DeadlineRule]] = {}
    for rule in deadline_rules_active() if rules is None else rules:
        if not rule.is_policy:
            grouped.setdefault(rule.trigger, []).append(rule)
    return [
        Trigger(slug=slug, label=members[0].trigger_event, rules=tuple(members))
        for slug, members in grouped.items()
    ]


@dataclass(frozen=True)
class DeadlineView:
    """One computed deadline, as the page, the API and the emails show it."""

    rule: DeadlineRule
    start: date
    end: date
    explanation: str
    earlier_reading: bool
    days_left: int  # negative: passed

    @property
    def status(self) -> str:
        if self.days_left < 0:
            return "passed"
        if self.days_left <= 7:
            return "due within 7 days"
        if self.days_left <= 14:
            return "due within 14 days"
        return "later"

    @property
    def when(self) -> str:
        """Days left (or since it passed), in words."""
        days = abs(self.days_left)
        plural = "s" if days != 1 else ""
        if self.days_left < 0:
            return f"{days} day{plural} ago"
        return "Ends today" if days == 0 else f"{days} day{plural} left"

    @property
    def css_class(self) -> str:
        return (
            "deadline-"
            + {
                "passed": "passed",
                "due within 7 days": "soon",
                "due within 14 days": "near",
                "later": "later",
            }[self.status]
        )

    @property
    def needs_source_check(self) -> bool:
        return self.rule.needs_source_check


def deadline_compute(*, rule: DeadlineRule, start: date, today: date | None = None) -> DeadlineView:
    """A rule's end from ``start`` (the earlier reading for a disputed rule), in words."""
    today = today or timezone.localdate()
    computed = cautious_end(
        start, rule.length, rule.unit, rule.counting, disputed=rule.needs_source_check
    )
    return DeadlineView(
        rule=rule,
        start=start,
        end=computed.end,
        explanation=computed.explanation,
        earlier_reading=computed.earlier_reading,
        days_left=(computed.end - today).days,
    )


@dataclass(frozen=True)
class KeyDateView:
    key_date: KeyDate
    label: str
    deadlines: list[DeadlineView]


def key_date_list(
    *, enquiry: Enquiry, today: date | None = None, rules: list[DeadlineRule] | None = None
) -> list[KeyDateView]:
    """An enquiry's key dates, each with every deadline it starts, computed now.

    Two queries whatever the number of key dates: the key dates, and the active
    rules (pass ``rules`` to share one list with the page's form).
    """
    key_dates = KeyDate.objects.filter(enquiry=enquiry).select_related("recorded_by")
    return _key_date_views(list(key_dates), today=today, rules=rules)


def key_date_list_for_case(
    *, enquiries: list[Enquiry], today: date | None = None, rules: list[DeadlineRule] | None = None
) -> list[KeyDateView]:
    """The key dates of every enquiry in a case (``selectors_cases.case_enquiries``), with
    their deadlines, in date order; each knows its enquiry. Two queries, as above."""
    key_dates = KeyDate.objects.filter(enquiry__in=enquiries).select_related(
        "recorded_by", "enquiry"
    )
    return _key_date_views(list(key_dates), today=today, rules=rules)


def _key_date_views(
    key_dates: list[KeyDate], *, today: date | None, rules: list[DeadlineRule] | None
) -> list[KeyDateView]:
    today = today or timezone.localdate()
    if not key_dates:
        return []
    triggers = {t.slug: t for t in key_date_triggers(rules)}
    views = []
    for key_date in key_dates:
        trigger = triggers.get(key_date.trigger)
        deadlines = (
            [deadline_compute(rule=r, start=key_date.date, today=today) for r in trigger.rules]
            if trigger
            else []
        )
        views.append(
            KeyDateView(
                key_date=key_date,
                label=trigger.label if trigger else key_date.trigger,
                deadlines=sorted(deadlines, key=lambda d: (d.end, d.rule.position)),
            )
        )
    return views


def key_date_get(*, enquiry: Enquiry, key_date_id: int) -> KeyDate:
    """One of ``enquiry``'s key dates (the caller has checked the enquiry is visible)."""
    key_date = KeyDate.objects.filter(enquiry=enquiry, pk=key_date_id).first()
    if key_date is None:
        raise Http404("No such key date")
    return key_date


def deadlines_due_for_reminder(*, today: date, within_days: int = 7) -> QuerySet[Deadline]:
    """Deadlines ending within ``within_days``, and those passed without an outcome, on open
    enquiries that an adviser holds: the ones the reminder command writes about.

    A passed deadline is "without an outcome" when nothing has been recorded on the
    enquiry since its key date was (issue 3: remind of deadlines "passed without an
    outcome"); an outcome recorded before the key date says nothing about this clock.
    """
    outcome_since_key_date = Outcome.objects.filter(
        enquiry_id=OuterRef("enquiry_id"), recorded_at__gte=OuterRef("key_date__recorded_at")
    )
    return (
        Deadline.objects.filter(
            ends_on__lte=today + timedelta(days=within_days),
            enquiry__status__in=Status.open_values(),
            enquiry__assigned_to__isnull=False,
        )
        .filter(Q(ends_on__gte=today) | ~Exists(outcome_since_key_date))
        .select_related("rule", "key_date", "enquiry__assigned_to")
        .order_by("ends_on", "pk")
    )
