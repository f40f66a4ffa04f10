"""The enquiries a report counts: the report's filters (and, for advisers, what they may
see) as one ``Q`` that can sit on enquiries or, with ``prefix``, on rows joined to them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from casework import policies
from casework.models import Assignment, ClosedDay, ReceivedDay, ServiceDay, Span
from casework.reports.params import ReportParams
from casework.rollups import selectors as rollups
from enquiries import service_levels
from enquiries.models import Enquiry, Status
from knowledgebase.models import LocalAuthority, Topic


def enquiry_q(params: ReportParams, *, prefix: str = "") -> Q:
    q = Q()
    if params.team:
        q &= Q(
            Exists(
                Assignment.objects.filter(
                    enquiry=OuterRef(f"{prefix}pk"), is_current=True, team=params.team
                )
            )
        )
    if params.adviser:
        q &= Q(**{f"{prefix}assigned_to_id": params.adviser.user_id})
    if params.topic:
        q &= Q(**{f"{prefix}topic": params.topic}) | Q(**{f"{prefix}topic__parent": params.topic})
    if params.area:
        q &= Q(**{f"{prefix}local_authority": params.area})
    if params.region:
        q &= Q(**{f"{prefix}local_authority__region": params.region})
    if params.channel:
        q &= Q(**{f"{prefix}channel": params.channel})
    return q


def enquiries(params: ReportParams, *, user: policies.User | None = None) -> QuerySet[Enquiry]:
    """Filtered enquiries, no ordering (so GROUP BY groups only what it is asked to)."""
    queryset = Enquiry.objects.filter(enquiry_q(params)).order_by()
    if user is not None and not policies.can_see_all_reports(user):
        queryset = queryset.filter(policies.visible_enquiries_q(user))
    return queryset


def received(params: ReportParams, *, user: policies.User | None = None) -> QuerySet[Enquiry]:
    return enquiries(params, user=user).filter(
        received_at__gte=params.start, received_at__lt=params.end
    )


def rollup_q(params: ReportParams, *, user: policies.User | None = None) -> Q | None:
    """The report's filters on rollup rows (all have the same dimensions), or None when
    the report's scope holds something the rollup's dimensions cannot say (an adviser's
    own view of their enquiries; another time zone's days): then the figures come from
    the source rows. Exact where it answers: each filter is the same set as
    ``enquiry_q``'s."""
    if user is not None and not policies.can_see_all_reports(user):
        return None
    if not rollups.readable():
        return None
    q = Q()
    if params.team:  # the current assignment's team (at most one current assignment)
        q &= Q(team_id=params.team.pk)
    if params.adviser:  # the user the enquiry is assigned to
        q &= Q(adviser_id=params.adviser.user_id)
    if params.topic:  # the topic or one under it, as the topic tree is now
        children = Topic.objects.filter(parent=params.topic).values("pk")
        q &= Q(topic_id=params.topic.pk) | Q(topic_id__in=children)
    if params.area:
        q &= Q(area_id=params.area.pk)
    if params.region:  # the areas in the region now
        q &= Q(area_id__in=LocalAuthority.objects.filter(region=params.region).values("pk"))
    if params.channel:
        q &= Q(channel=params.channel)
    return q


@dataclass(frozen=True)
class ReceivedParts:
    """The enquiries a report counts as received over some days, in two parts that never
    share a day: rollup rows for the days whose rollup is clean (whole clean months as
    month rows, where the figures allow), and source rows for the others (every day,
    when the filters need the source). Either may be None (nothing)."""

    rollup: QuerySet[Any] | None
    source: QuerySet[Enquiry] | None
    # The report has no filters: ``rollup`` holds every grain, and a figure by one
    # dimension (or by none) reads that grain (``grain_rows``). Otherwise ``rollup`` is
    # the full grain's rows, filtered.
    whole: bool = False
    # The marks read (None: not read, the source answers alone), for parts of another
    # rollup over the same days (``received_parts(marks=...)``).
    marks: rollups.Marks | None = None

    def grain_rows(self, grain: str) -> QuerySet[Any] | None:
        """The rollup rows to count a figure by ``grain``'s dimension from."""
        if self.rollup is None or not self.whole:
            return self.rollup
        return self.rollup.filter(grain=grain)


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def received_parts(
    params: ReportParams,
    first: date,
    last: date,
    *,
    user: policies.User | None = None,
    model: type[Model] = ReceivedDay,
    marks: rollups.Marks | None = None,
    cuts: Iterable[date] = (),
) -> ReceivedParts:
    """Received from ``first`` to ``last`` (local dates, inclusive) under ``params``'s
    filters and ``user``'s scope, the rollup part from ``model`` (one keyed by the day
    received: ``ReceivedDay``, ``ServiceDay``, ``AlsoAboutDay``); ``cuts``: the days the
    figures split the period at (``rollups.received_rows``). Three queries at most
    whatever the period's length: the marks (unless given: ``marks`` of other parts of
    the same days), then one each (per figure) on the two parts."""
    q = rollup_q(params, user=user)
    source = enquiries(params, user=user)
    if q is None:
        end = _local_start(last + timedelta(days=1))
        return ReceivedParts(
            None, source.filter(received_at__gte=_local_start(first), received_at__lt=end)
        )
    if marks is None:
        marks = rollups.marks(first, last)
    dirty = marks.days
    every_day = len(dirty) == (last - first).days + 1
    source_part = source.filter(rollups.received_at_q(dirty)) if dirty else None
    if every_day:
        return ReceivedParts(None, source_part, marks=marks)
    rollup = rollups.received_rows(model, first, last, marks=marks, cuts=cuts)
    if not q:  # no filters: each figure from its own dimension's grain
        return ReceivedParts(rollup, source_part, whole=True, marks=marks)
    full = rollup.filter(grain=ReceivedDay.Grain.FULL).filter(q)
    return ReceivedParts(full, source_part, marks=marks)


def closed_parts(params: ReportParams, *, user: policies.User | None = None) -> ReceivedParts:
    """The enquiries closed in the period, in the same two parts: ``ClosedDay`` rows
    closed in it (grain ``all`` without filters), of the clean days received, whichever
    they are (month rows for the clean months); and the enquiries closed in it that came
    in on a dirty day (every dirty day: one from last year may have been closed this
    week)."""
    q = rollup_q(params, user=user)
    closed = enquiries(params, user=user).filter(
        closed_at__gte=params.start, closed_at__lt=params.end
    )
    if q is None:
        return ReceivedParts(None, closed)
    marks = rollups.marks()
    dirty, stale = marks.days, marks.stale_months
    # Day rows of the stale months (but their dirty days), month rows of the others.
    days = Q(span=Span.DAY) & rollups.month_ranges_q(stale)
    if dirty:
        days &= ~Q(day__in=dirty)
    rows = (
        ClosedDay.objects.filter(closed_on__gte=params.date_from, closed_on__lte=params.date_to)
        .filter(days | (Q(span=Span.MONTH) & ~Q(day__in=stale)))
        .order_by()
    )
    rows = (
        rows.filter(grain=ServiceDay.Grain.FULL).filter(q)
        if q
        else rows.filter(grain=ServiceDay.Grain.ALL)
    )
    return ReceivedParts(rows, closed.filter(rollups.received_at_q(dirty)) if dirty else None)


def open_q() -> Q:
    return Q(status__in=Status.open_values())


# --- service levels (the queue's "at risk" / "breached": EnquiryFilter.filter_sla) -------------


def _running_clock_q(response_due: Q, resolution_due: Q) -> Q:
    """The clock that matters (first response until there is one, then resolution), on
    open, unresolved enquiries that are not paused for the group."""
    return (
        open_q()
        & (
            (Q(first_response_at__isnull=True) & response_due)
            | (Q(first_response_at__isnull=False) & resolution_due)
        )
        & Q(resolved_at__isnull=True, sla_paused_since__isnull=True)
    )


def sla_breached_q(today: date) -> Q:
    """Past the due date of the clock that matters."""
    return _running_clock_q(Q(first_response_due__lt=today), Q(resolution_due__lt=today))


def sla_at_risk_q(today: date) -> Q:
    """Due today or within ``SLA_AT_RISK_WORKING_DAYS`` working days."""
    window = (today, service_levels.at_risk_until(today))
    return _running_clock_q(Q(first_response_due__range=window), Q(resolution_due__range=window))
