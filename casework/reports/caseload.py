"""Caseload now: open work per adviser and team against capacity, ageing, unassigned,
waiting for the group, deadlines in the next 14 days, service levels at risk and breached.

Not a period report: "now" is when it runs. Advisers see themselves and their teams.
"""

from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from casework import policies
from casework.models import Adviser, Assignment, Case, Deadline, Team
from casework.queue.selectors import AGE_BUCKETS, AGE_CHOICES
from casework.reports import scope
from casework.reports.params import ReportParams
from casework.reports.tables import Cell, Report, Table, percent, queue_link
from enquiries.models import Enquiry, Status

DEADLINE_DAYS = 14
NEAR_CAPACITY_PERCENT = 90


def _load(open_count: int, capacity: int) -> str:
    if capacity and open_count > capacity:
        return "Overloaded"
    if capacity and 100 * open_count >= NEAR_CAPACITY_PERCENT * capacity:
        return "Near capacity"
    return "Within capacity"


def _headline(
    params: ReportParams, open_enquiries: QuerySet[Enquiry], now: datetime
) -> tuple[Table, Table]:
    today = timezone.localdate(now)
    ages = {
        key: Q(received_at__lte=now - timedelta(days=youngest))
        & (Q() if oldest is None else Q(received_at__gt=now - timedelta(days=oldest + 1)))
        for key, (youngest, oldest) in AGE_BUCKETS.items()
    }
    due_soon = Exists(
        Deadline.objects.filter(
            enquiry=OuterRef("pk"),
            ends_on__gte=today,
            ends_on__lte=today + timedelta(days=DEADLINE_DAYS),
        )
    )
    figures = open_enquiries.aggregate(
        open=Count("pk"),
        unassigned=Count("pk", filter=Q(assigned_to__isnull=True)),
        awaiting=Count("pk", filter=Q(status=Status.AWAITING_GROUP)),
        deadlines=Count("pk", filter=Q(due_soon)),
        at_risk=Count("pk", filter=scope.sla_at_risk_q(today)),
        breached=Count("pk", filter=scope.sla_breached_q(today)),
        **{f"age_{i}": Count("pk", filter=q) for i, q in enumerate(ages.values())},
    )
    summary = Table(
        "summary",
        "Open enquiries now",
        ["Figure", "Enquiries"],
        description="Open means any status but closed.",
    )
    summary.add("Open enquiries", Cell(figures["open"], queue_link(params)))
    summary.add("Unassigned", Cell(figures["unassigned"], queue_link(params, unassigned="true")))
    summary.add(
        "Waiting for the group",
        Cell(figures["awaiting"], queue_link(params, status=Status.AWAITING_GROUP)),
    )
    summary.add(
        f"With a statutory deadline in the next {DEADLINE_DAYS} days",
        Cell(figures["deadlines"], queue_link(params, deadline_within=DEADLINE_DAYS)),
    )
    summary.add(
        "Service level at risk", Cell(figures["at_risk"], queue_link(params, sla="at_risk"))
    )
    summary.add(
        "Service level breached", Cell(figures["breached"], queue_link(params, sla="breached"))
    )
    ageing = Table(
        "ageing",
        "Open enquiries by age",
        ["Days since received", "Enquiries"],
        chart="bars",
    )
    for i, (key, label) in enumerate(AGE_CHOICES):
        ageing.add(label, Cell(figures[f"age_{i}"], queue_link(params, age=key)))
    return summary, ageing


def _advisers(
    params: ReportParams, user: policies.User, open_enquiries: QuerySet[Enquiry]
) -> Table:
    advisers = Adviser.objects.filter(is_active=True).select_related("user")
    cases = Case.objects.exclude(status=Case.Status.CLOSED).order_by()
    if not policies.can_see_all_reports(user):
        mine = Q(user=user) | Q(teams__in=policies.adviser_team_ids(user))
        advisers = advisers.filter(pk__in=Adviser.objects.filter(mine).values("pk"))
    if params.team:
        advisers = advisers.filter(teams=params.team)
    if params.adviser:
        advisers = advisers.filter(pk=params.adviser.pk)
    advisers = advisers.prefetch_related("teams")
    enquiry_counts = dict(
        open_enquiries.filter(assigned_to__isnull=False)
        .values_list("assigned_to")
        .annotate(n=Count("pk"))
    )
    case_counts = dict(cases.values_list("lead_adviser").annotate(n=Count("pk")))
    table = Table(
        "advisers",
        "Open work per adviser",
        ["Adviser", "Teams", "Open enquiries", "Open cases", "Capacity", "Load %", "Load"],
        description=(
            "Capacity is the most open enquiries the adviser should hold. Cases are counted "
            "by lead adviser and are not narrowed by topic, area or channel."
        ),
        chart="bars",
        chart_value_column=2,
    )
    for adviser in advisers:
        count = enquiry_counts.get(adviser.user_id, 0)
        table.add(
            adviser.name,
            ", ".join(team.name for team in adviser.teams.all()) or "–",
            Cell(count, queue_link(params, adviser=adviser.pk)),
            case_counts.get(adviser.pk, 0),
            adviser.capacity,
            percent(count, adviser.capacity),
            _load(count, adviser.capacity),
        )
    return table


def _teams(params: ReportParams, user: policies.User, open_enquiries: QuerySet[Enquiry]) -> Table:
    teams = Team.objects.all()
    if not policies.can_see_all_reports(user):
        teams = teams.filter(pk__in=policies.adviser_team_ids(user))
    if params.team:
        teams = teams.filter(pk=params.team.pk)
    # From the (few) open enquiries to their current assignment's team: one probe of the
    # one-current-assignment unique index each (a join made PostgreSQL scan them all).
    team_of = Assignment.objects.filter(enquiry=OuterRef("pk"), is_current=True).values("team_id")[
        :1
    ]
    current = open_enquiries.annotate(team=Subquery(team_of))
    held = dict(current.values_list("team").annotate(n=Count("pk")))
    unassigned = dict(
        current.filter(assigned_to__isnull=True).values_list("team").annotate(n=Count("pk"))
    )
    # Open cases whose lead adviser is in the team (in two teams: counted in both).
    cases = Case.objects.exclude(status=Case.Status.CLOSED).filter(lead_adviser__teams__in=teams)
    if params.adviser:
        cases = cases.filter(lead_adviser=params.adviser)
    team_cases = dict(cases.order_by().values_list("lead_adviser__teams").annotate(n=Count("pk")))
    capacity = dict(
        Adviser.objects.filter(is_active=True, teams__isnull=False)
        .order_by()
        .values_list("teams")
        .annotate(total=Sum("capacity"))
    )
    table = Table(
        "teams",
        "Open work per team",
        [
            "Team",
            "Open enquiries",
            "Of which unassigned",
            "Open cases",
            "Capacity",
            "Load %",
            "Load",
        ],
        description=(
            "A team's capacity is the sum of its active advisers' capacities. Open cases are "
            "those led by an adviser in the team and are not narrowed by topic, area or channel."
        ),
        chart="bars",
    )
    for team in teams:
        count, room = held.get(team.pk, 0), capacity.get(team.pk, 0)
        table.add(
            team.name,
            Cell(count, queue_link(params, team=team.slug)),
            Cell(unassigned.get(team.pk, 0), queue_link(params, team=team.slug, unassigned="true")),
            team_cases.get(team.pk, 0),
            room,
            percent(count, room),
            _load(count, room),
        )
    return table


def caseload_report(params: ReportParams, *, user: policies.User) -> Report:
    now = timezone.now()
    open_enquiries = scope.enquiries(params, user=user).filter(scope.open_q())
    summary, ageing = _headline(params, open_enquiries, now)
    notes = [f"As at {timezone.localtime(now):%-d %b %Y %H:%M}."]
    if not policies.can_see_all_reports(user):
        notes.append("Limited to you and your teams.")
    return Report(
        "caseload",
        "Caseload now",
        params,
        [
            summary,
            ageing,
            _advisers(params, user, open_enquiries),
            _teams(params, user, open_enquiries),
        ],
        notes,
    )
