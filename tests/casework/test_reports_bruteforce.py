"""The main report figures recomputed by brute force over the rows (in Python, here only)
and compared with the SQL aggregates, on randomised data with a fixed seed: received by
channel, topic, area and enquirer type (per bucket), times, both service-level compliance
rows, closures, caseload, outcomes by code and area, social value, plan stages, groups per
area and repeat enquirers. Outcomes are recorded across 90 days, the period is 60."""

import math
import random
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from casework.models import Adviser, Outcome
from casework.outcomes import OutcomeCode, PlanStage
from casework.reports.flow import bucket_starts
from casework.reports.impact import REPEAT_LIMIT, SOCIAL_VALUE
from casework.reports.params import ReportParams
from casework.reports.registry import build_report
from enquiries.models import Channel, EnquirerType, Enquiry, Status
from knowledgebase.working_days import add_working_days
from tests.factories import ContactFactory, EnquiryFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def percentile_cont(values: list[int], fraction: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    position = (len(values) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


OUTCOME_CODES = [
    OutcomeCode.ASSET_LISTED,
    OutcomeCode.GUIDANCE_SENT,
    OutcomeCode.REQUEST_TO_BID,
    OutcomeCode.NOMINATION_MADE,
    OutcomeCode.EOI_SUBMITTED,
    OutcomeCode.ASSET_TRANSFERRED,
    OutcomeCode.PLAN_MADE,
    OutcomeCode.RIGHT_NOT_USED,
    OutcomeCode.PLAN_STAGE_REACHED,
]


@pytest.fixture
def random_desk(adviser, other_adviser, topics, areas):
    rng = random.Random(20261125)
    now, today = timezone.now(), timezone.localdate()
    users = [adviser.user, other_adviser.user, None]
    topic_list = [*topics.values(), None]
    area_list = [*list(areas.values())[:6], None]
    # Few enough groups (of every type) and individuals that many enquire more than once.
    types = list(EnquirerType)
    contacts = [
        ContactFactory(organisation=OrganisationFactory(org_type=types[i % len(types)]))
        for i in range(20)
    ] + [ContactFactory(organisation=None) for _ in range(8)]
    for _ in range(160):
        received = now - timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 23))
        status = rng.choice(list(Status))
        closed = received + timedelta(days=rng.randint(0, 20)) if status == Status.CLOSED else None
        if closed and closed > now:
            closed = now
        responded = received + timedelta(days=rng.randint(0, 8)) if rng.random() < 0.6 else None
        if responded and responded > now:
            responded = None
        e = EnquiryFactory(
            contact=rng.choice(contacts),
            received_at=received,
            status=status,
            closed_at=closed,
            channel=rng.choice(list(Channel)),
            topic=rng.choice(topic_list),
            local_authority=rng.choice(area_list),
            assigned_to=rng.choice(users),
            first_response_at=responded,
            first_response_due=(received + timedelta(days=rng.randint(0, 6))).date()
            if rng.random() < 0.8
            else None,
            resolution_due=today + timedelta(days=rng.randint(-10, 10))
            if rng.random() < 0.7
            else None,
            resolved_at=closed,
            sla_paused_since=now if rng.random() < 0.1 else None,
            first_response_working_days=rng.randint(0, 12) if responded else None,
            resolution_working_days=rng.randint(0, 30) if closed else None,
        )
        for _ in range(rng.randint(0, 3)):
            code = rng.choice(OUTCOME_CODES)
            outcome = Outcome.objects.create(
                enquiry=e,
                code=code,
                plan_stage=rng.choice(list(PlanStage))
                if code == OutcomeCode.PLAN_STAGE_REACHED
                else "",
                detail="No bid in time." if code == OutcomeCode.RIGHT_NOT_USED else "",
                recorded_by=adviser.user,
            )
            # Recorded at any time in the last 90 days (auto_now_add set it to now), so
            # that some fall outside the 60-day period and the period check is real.
            recorded = now - timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 23))
            Outcome.objects.filter(pk=outcome.pk).update(recorded_at=recorded)
    return rng


def root_name(topic) -> str:
    if topic is None:
        return "No topic (not sure)"
    return (topic.parent or topic).name


def by_bucket(table, rows, key, p: ReportParams) -> None:
    """Each row's per-bucket counts and total equal the brute-force count of ``key``."""
    starts = bucket_starts(p)
    expected: dict[str, list[int]] = {}
    for e in rows:
        day = timezone.localtime(e.received_at).date()
        index = max(i for i, start in enumerate(starts) if start <= day)
        counts = expected.setdefault(key(e), [0] * (len(starts) + 1))
        counts[index] += 1
        counts[-1] += 1
    assert {r[0].value: [c.value for c in r[1:]] for r in table.rows} == expected


def params() -> ReportParams:
    today = timezone.localdate()
    return ReportParams(date_from=today - timedelta(days=60), date_to=today, bucket="month")


def test_flow_matches_brute_force(random_desk, manager):
    p = params()
    rows = list(Enquiry.objects.all())
    received = [e for e in rows if p.start <= e.received_at < p.end]
    report = build_report("flow", p, user=manager.user)

    channels = Counter(e.get_channel_display() for e in received)
    sql = {r[0].value: r[-1].value for r in report.table("received_channel").rows}
    assert sql == dict(channels)
    by_bucket(report.table("received_channel"), received, lambda e: e.get_channel_display(), p)
    by_bucket(report.table("received_topic"), received, lambda e: root_name(e.topic), p)
    by_bucket(
        report.table("received_area"),
        received,
        lambda e: e.local_authority.name if e.local_authority else "No area given",
        p,
    )
    by_bucket(
        report.table("received_enquirer_type"),
        received,
        lambda e: (
            e.organisation.get_org_type_display() if e.organisation else "No organisation given"
        ),
        p,
    )

    for label, field in [
        ("First response", "first_response_working_days"),
        ("Resolution", "resolution_working_days"),
    ]:
        values = [getattr(e, field) for e in received if getattr(e, field) is not None]
        row = next(r for r in report.table("times").rows if r[0].value == label)
        assert row[1].value == len(values)
        assert row[2].value == pytest.approx(percentile_cont(values, 0.5))
        assert row[3].value == pytest.approx(percentile_cont(values, 0.9))

    today = timezone.localdate()
    decided = [
        e
        for e in received
        if e.first_response_due and (e.first_response_at or e.first_response_due < today)
    ]
    met = [
        e
        for e in received
        if e.first_response_due
        and e.first_response_at
        and timezone.localtime(e.first_response_at).date() <= e.first_response_due
    ]
    row = report.table("compliance").rows[0]
    assert [row[1].value, row[2].value] == [len(decided), len(met)]
    assert decided and len(met) < len(decided)

    decided = [
        e for e in received if e.resolution_due and (e.resolved_at or e.resolution_due < today)
    ]
    met = [
        e
        for e in received
        if e.resolution_due
        and e.resolved_at
        and timezone.localtime(e.resolved_at).date() <= e.resolution_due
    ]
    row = report.table("compliance").rows[1]
    assert [row[1].value, row[2].value] == [len(decided), len(met)]
    assert met and len(met) < len(decided)

    closed = [e for e in rows if e.closed_at and p.start <= e.closed_at < p.end]
    assert report.table("closures").rows[0][-1].value == len(closed)


def test_caseload_matches_brute_force(random_desk, manager):
    now, today = timezone.now(), timezone.localdate()
    horizon = add_working_days(today, settings.SLA_AT_RISK_WORKING_DAYS)
    open_rows = [e for e in Enquiry.objects.all() if e.status != Status.CLOSED]

    def clock_due(e):
        """The queue's rule: the clock that matters, on running clocks only."""
        if e.sla_paused_since or e.resolved_at:
            return None
        return e.first_response_due if e.first_response_at is None else e.resolution_due

    def breached(e):
        due = clock_due(e)
        return bool(due and due < today)

    def at_risk(e):
        due = clock_due(e)
        return bool(due and today <= due <= horizon)

    report = build_report("caseload", params(), user=manager.user)
    summary = {r[0].value: r[1].value for r in report.table("summary").rows}
    assert summary["Open enquiries"] == len(open_rows)
    assert summary["Unassigned"] == sum(e.assigned_to_id is None for e in open_rows)
    assert summary["Waiting for the group"] == sum(
        e.status == Status.AWAITING_GROUP for e in open_rows
    )
    assert summary["Service level breached"] == sum(breached(e) for e in open_rows)
    assert summary["Service level at risk"] == sum(at_risk(e) for e in open_rows)

    edges = [(0, 7), (8, 14), (15, 30), (31, 60), (61, None)]
    expected = [
        sum(
            1
            for e in open_rows
            if e.received_at <= now - timedelta(days=lo)
            and (hi is None or e.received_at > now - timedelta(days=hi + 1))
        )
        for lo, hi in edges
    ]
    assert [r[1].value for r in report.table("ageing").rows] == expected
    per_adviser = Counter(e.assigned_to_id for e in open_rows if e.assigned_to_id)
    user_ids = {a.name: a.user_id for a in Adviser.objects.select_related("user")}
    assert report.table("advisers").rows
    for row in report.table("advisers").rows:
        assert row[2].value == per_adviser.get(user_ids[row[0].value], 0)


def test_outcomes_match_brute_force(random_desk, manager):
    p = params()
    everything = list(Outcome.objects.all())
    outcomes = [o for o in everything if p.start <= o.recorded_at < p.end]
    assert 0 < len(outcomes) < len(everything)  # the period leaves some out
    report = build_report("outcomes", p, user=manager.user)
    for row in report.table("outcomes_code").rows:
        code = next(c for c in OutcomeCode if c.label == row[0].value)
        of_code = [o for o in outcomes if o.code == code]
        assert row[1].value == len(of_code)
        assert row[2].value == len({o.enquiry_id for o in of_code})


def test_outcomes_by_area_match_brute_force(random_desk, manager):
    from casework.outcomes import RESULT_CODES

    p = params()
    outcomes = [
        o
        for o in Outcome.objects.select_related("enquiry__local_authority")
        if p.start <= o.recorded_at < p.end
    ]
    expected: dict[str, list] = {}
    for o in outcomes:
        area = o.enquiry.local_authority
        key = area.name if area else "No area given"
        row = expected.setdefault(key, [0, 0, set()])
        row[0] += 1
        row[1] += o.code in RESULT_CODES
        row[2].add(o.enquiry_id)
    report = build_report("outcomes", p, user=manager.user)
    sql = {r[0].value: [c.value for c in r[1:]] for r in report.table("outcomes_area").rows}
    assert sql == {k: [n, res, len(e)] for k, (n, res, e) in expected.items()}


def test_social_value_and_plan_stages_match_brute_force(random_desk, manager):
    p = params()
    outcomes = [o for o in Outcome.objects.all() if p.start <= o.recorded_at < p.end]
    report = build_report("outcomes", p, user=manager.user)

    def enquiries_with(code, **extra) -> int:
        return len(
            {
                o.enquiry_id
                for o in outcomes
                if o.code == code and all(getattr(o, k) == v for k, v in extra.items())
            }
        )

    value = {r[0].value: r[1].value for r in report.table("social_value").rows}
    assert value == {label: enquiries_with(code) for code, label in SOCIAL_VALUE}
    assert all(value.values())
    stages = {r[0].value: r[1].value for r in report.table("plan_stages").rows}
    assert stages == {
        stage.label: enquiries_with(OutcomeCode.PLAN_STAGE_REACHED, plan_stage=stage)
        for stage in PlanStage
    }


def test_groups_per_area_and_repeat_enquirers_match_brute_force(random_desk, manager):
    p = params()
    received = [
        e
        for e in Enquiry.objects.select_related("organisation", "local_authority")
        if p.start <= e.received_at < p.end
    ]
    report = build_report("outcomes", p, user=manager.user)

    per_area: dict[str, list] = {}
    for e in received:
        if e.organisation is None:
            continue
        area = e.local_authority.name if e.local_authority else "No area given"
        row = per_area.setdefault(area, [set(), 0])
        row[0].add(e.organisation_id)
        row[1] += 1
    sql = {r[0].value: [r[1].value, r[2].value] for r in report.table("groups_area").rows}
    assert sql == {area: [len(groups), n] for area, (groups, n) in per_area.items()}

    groups = Counter(e.organisation.name for e in received if e.organisation)
    individuals = Counter(e.contact_id for e in received if e.organisation is None)
    repeat_groups = {name: n for name, n in groups.items() if n >= 2}
    repeat_individuals = sum(n >= 2 for n in individuals.values())
    assert repeat_groups and repeat_individuals and len(repeat_groups) <= REPEAT_LIMIT
    table = report.table("repeat_enquirers")
    assert {r[0].value: r[1].value for r in table.rows} == repeat_groups
    assert table.description.startswith(
        f"{len(repeat_groups)} groups and {repeat_individuals} individuals"
    )


@pytest.fixture
def random_secondary(random_desk, topics):
    """Up to three secondary topics on each enquiry with a topic, never the topic itself;
    some under the topic's own top level (the "also about" figure must leave those out),
    some two under one top level (counted once). Its own seed: the data above is unchanged."""
    rng = random.Random(20261207)
    choices = list(topics.values())
    for e in Enquiry.objects.filter(topic__isnull=False):
        others = [t for t in choices if t.pk != e.topic_id]
        e.secondary_topics.set(rng.sample(others, rng.randint(0, 3)))


def test_also_about_matches_brute_force(random_secondary, client, manager):
    """Demand's "also about": per top-level topic, the enquiries with a secondary topic under
    it and their own topic elsewhere, this period and the one before; each figure's link
    lists exactly those enquiries."""
    p = params()
    previous = p.previous()
    expected: dict[str, list[int]] = {}
    for e in Enquiry.objects.select_related("topic__parent").prefetch_related(
        "secondary_topics__parent"
    ):
        if previous.start <= e.received_at < p.start:
            column = 1
        elif p.start <= e.received_at < p.end:
            column = 0
        else:
            continue
        own = root_name(e.topic)
        for root in {root_name(t) for t in e.secondary_topics.all()} - {own}:
            expected.setdefault(root, [0, 0])[column] += 1
    assert expected  # the data exercises the figure
    report = build_report("demand", p, user=manager.user)
    table = report.table("also_about")
    assert {r[0].value: [c.value for c in r[1:]] for r in table.rows} == expected
    client.force_login(manager.user)
    for row in table.rows:
        for cell in row[1:]:
            response = client.get(cell.href)
            assert response.context["page"].paginator.count == cell.value, cell.href
