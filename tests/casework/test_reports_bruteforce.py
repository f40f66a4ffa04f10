"""The main report figures recomputed by brute force over the rows (in Python, here only)
and compared with the SQL aggregates, on randomised data with a fixed seed."""

import math
import random
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from casework.models import Adviser, Outcome
from casework.outcomes import OutcomeCode
from casework.reports.params import ReportParams
from casework.reports.registry import build_report
from enquiries.models import Channel, Enquiry, Status
from knowledgebase.working_days import add_working_days
from tests.factories import EnquiryFactory

pytestmark = pytest.mark.django_db


def percentile_cont(values: list[int], fraction: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    position = (len(values) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


@pytest.fixture
def random_desk(adviser, other_adviser, topics, areas):
    rng = random.Random(20261125)
    now, today = timezone.now(), timezone.localdate()
    users = [adviser.user, other_adviser.user, None]
    topic_list = [*topics.values(), None]
    area_list = [*list(areas.values())[:6], None]
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
        for _ in range(rng.randint(0, 2)):
            code = rng.choice(
                [OutcomeCode.ASSET_LISTED, OutcomeCode.GUIDANCE_SENT, OutcomeCode.REQUEST_TO_BID]
            )
            Outcome.objects.create(enquiry=e, code=code, recorded_by=adviser.user)
    return rng


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
    outcomes = [o for o in Outcome.objects.all() if p.start <= o.recorded_at < p.end]
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
