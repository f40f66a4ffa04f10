"""The figures from rollups against the same figures from the source rows, by brute force:
random enquiries on random days (both clock changes, times near local midnight) and
dimensions, with random service clocks (responded, resolved, on time or late, open before
or after their due date) and closures, then random changes by every path that writes
enquiries (save, delete, queryset update, bulk_create, an organisation's type, a new
current assignment, a response, a resolution, a closure, a reopening of an old enquiry, a
due date moved), and random outcomes (repeated codes and plan stages, on days near the
periods' edges) changed by every path that writes them (save, delete, a code changed,
queryset update of the time, outcomes moved to another enquiry by a merge,
bulk_create), with and without a refresh between, and for random periods and filters the
flow, demand and outcomes reports' tables read from rollups (values and links) must
equal those computed from the source rows alone."""

import random
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import (
    Adviser,
    AlsoAboutDay,
    Assignment,
    ClosedDay,
    Outcome,
    OutcomeDay,
    ReceivedDay,
    RollupDirtyDay,
    RollupDirtyMonth,
    ServiceDay,
    Span,
)
from casework.outcomes import OutcomeCode, PlanStage
from casework.reports import flow, impact, scope
from casework.reports.params import ReportParams
from casework.reports.registry import build_report
from casework.rollups import selectors, services
from casework.rollups.days import day_start, local_day, month_end, runs
from enquiries.models import Channel, EnquirerType, Enquiry, Organisation, Status
from enquiries.references import format_reference
from knowledgebase.models import Region, Topic
from tests.factories import (
    AdviserFactory,
    ContactFactory,
    EnquiryFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.get_default_timezone())
FIRST = date(2026, 3, 1)  # the data: 1 March (before BST starts) to 20 November 2026
RECEIVED_TABLES = {
    "flow": {"received_channel", "received_topic", "received_enquirer_type", "received_area"}
    | {"times", "closures", "compliance"},
    "demand": {"growth_topic", "growth_area", "guidance_gaps", "also_about"},
    "outcomes": {"social_value", "plan_stages", "outcomes_code", "outcomes_topic"}
    | {"outcomes_area"},
}
# Few codes and stages, so that enquiries often have the same one twice.
CODES = [OutcomeCode.GUIDANCE_SENT, OutcomeCode.ASSET_LISTED, OutcomeCode.PLAN_MADE]
STAGES = [PlanStage.AREA_DESIGNATED, PlanStage.REFERENDUM]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


class Desk:
    """Random enquiries and random changes to them, by every path that writes them."""

    def __init__(self, rng: random.Random, topics, areas, teams) -> None:
        self.rng = rng
        self.topics = [*topics.values(), None]
        self.areas = [*list(areas.values())[:8], None]
        self.teams = [*teams.values(), None]
        types = list(EnquirerType)
        self.contacts = [
            ContactFactory(organisation=OrganisationFactory(org_type=types[i % len(types)]))
            for i in range(8)
        ] + [ContactFactory(organisation=None) for _ in range(3)]
        self.serial = 900_000
        self.recorder = UserFactory()
        names = ["Avery", "Blake", "Casey"]
        self.advisers = [AdviserFactory(first_name=n).user for n in names] + [None]

    def moment(self) -> datetime:
        """A random local time from FIRST to NOW, often within an hour of midnight."""
        day = FIRST + timedelta(days=self.rng.randint(0, (NOW.date() - FIRST).days - 1))
        minutes = self.rng.choice([self.rng.randint(0, 59), 24 * 60 - self.rng.randint(1, 60)])
        minutes = minutes if self.rng.random() < 0.5 else self.rng.randint(0, 24 * 60 - 1)
        return day_start(day) + timedelta(minutes=minutes)

    def fields(self) -> dict:
        contact = self.rng.choice(self.contacts)
        received_at = self.moment()
        return {
            "contact": contact,
            "organisation": contact.organisation,
            "received_at": received_at,
            "channel": self.rng.choice(list(Channel)),
            "topic": self.rng.choice(self.topics),
            "local_authority": self.rng.choice(self.areas),
            "assigned_to": self.rng.choice(self.advisers),
            **self.clocks(received_at),
        }

    def later(self, after: datetime) -> datetime:
        """A moment after ``after``, not after NOW, often near local midnight."""
        moment = after + timedelta(hours=self.rng.choice([2, 20, 30, 100, 400, 2000]))
        moment += timedelta(minutes=self.rng.randint(0, 59))
        return min(moment, NOW)

    def due(self, after: datetime):
        """A due date (sometimes none) near ``after``: before, on, or after it."""
        if self.rng.random() < 0.15:
            return None
        return local_day(after) + timedelta(days=self.rng.randint(-3, 20))

    def clocks(self, received_at: datetime) -> dict:
        """Random service clocks: responded or not, resolved or not, closed or not, each
        with a due date (or none) and a working-days figure when done."""
        rng = self.rng
        fields: dict = {
            "first_response_due": self.due(received_at),
            "resolution_due": self.due(received_at + timedelta(days=10)),
        }
        if rng.random() < 0.7:
            fields["first_response_at"] = self.later(received_at)
            fields["first_response_working_days"] = rng.randint(0, 6)
            if rng.random() < 0.6:
                fields["resolved_at"] = self.later(fields["first_response_at"])
                fields["resolution_working_days"] = rng.randint(1, 40)
                if rng.random() < 0.7:
                    fields["closed_at"] = self.later(fields["resolved_at"])
                    fields["status"] = Status.CLOSED
        return fields

    def assign(self, enquiry: Enquiry) -> None:
        """As the queue's ``_record_assignment`` does: end the current one, open another."""
        with transaction.atomic():
            Assignment.objects.filter(enquiry=enquiry, is_current=True).update(is_current=False)
            Assignment.objects.create(
                enquiry=enquiry, team=self.rng.choice(self.teams), method="routed", reason="test"
            )

    def add_open_due_near_today(self) -> None:
        """Open enquiries due yesterday, today and tomorrow: the compliance figures' edge
        (due today is not yet decided)."""
        for shift in (-1, 0, 0, 1):
            fields = {**self.fields(), "received_at": NOW - timedelta(days=2)}
            fields.update(status=Status.IN_PROGRESS, first_response_at=None, resolved_at=None)
            fields.update(closed_at=None, first_response_working_days=None)
            fields.update(resolution_working_days=None)
            fields["first_response_due"] = NOW.date() + timedelta(days=shift)
            fields["resolution_due"] = NOW.date() + timedelta(days=-shift)
            EnquiryFactory(**fields)

    def outcome_fields(self, enquiry: Enquiry) -> dict:
        if self.rng.random() < 0.3:
            code, stage = OutcomeCode.PLAN_STAGE_REACHED, self.rng.choice(STAGES)
        else:
            code, stage = self.rng.choice(CODES), ""
        return {"enquiry": enquiry, "code": code, "plan_stage": stage}

    def record(self, enquiry: Enquiry) -> Outcome:
        """An outcome, its time set afterwards (``recorded_at`` is set on insert) by
        ``update()``, as the import does: after the enquiry, often near midnight."""
        outcome = Outcome.objects.create(recorded_by=self.recorder, **self.outcome_fields(enquiry))
        when = self.later(enquiry.received_at)
        Outcome.objects.filter(pk=outcome.pk).update(recorded_at=when)
        return outcome

    def add(self, n: int) -> None:
        for _ in range(n):
            enquiry = EnquiryFactory(**self.fields())
            if self.rng.random() < 0.8:
                self.assign(enquiry)
            for _ in range(self.rng.choice([0, 0, 1, 1, 2, 3, 4])):
                self.record(enquiry)
            if self.rng.random() < 0.5:
                enquiry.secondary_topics.set(self.secondary(enquiry))

    def secondary(self, enquiry: Enquiry) -> list:
        """Up to three secondary topics, often two under one top-level topic, sometimes
        under the enquiry's own (neither counts twice)."""
        known = [t for t in self.topics if t is not None and t.pk != enquiry.topic_id]
        return self.rng.sample(known, self.rng.randint(0, min(3, len(known))))

    def an_outcome(self) -> Outcome:
        outcome = Outcome.objects.order_by("?").first()
        return outcome if outcome else self.record(self.some(1)[0])

    def some(self, k: int) -> list[Enquiry]:
        pks = list(Enquiry.objects.values_list("pk", flat=True))
        return list(Enquiry.objects.filter(pk__in=self.rng.sample(pks, min(k, len(pks)))))

    KINDS = (
        ["topic", "moved", "area", "deleted", "update", "update_received", "bulk_create"]
        + ["org_type", "organisation", "team", "channel_saved_without_fields"]
        + ["responded", "resolved_and_closed", "reopened", "due_moved", "closed_by_update"]
        + ["outcome_recorded", "outcome_deleted", "outcome_code", "outcome_moved"]
        + ["outcomes_merged", "outcomes_bulk_created", "outcome_saved_at_another_time"]
        + ["secondary_set", "secondary_added_from_the_topic", "secondary_cleared_from_the_topic"]
        + ["reassigned", "reassigned_by_update"]
    )

    def change(self, kind: str | None = None) -> str:
        """One change (``kind``, or a random one); its name."""
        rng = self.rng
        kind = kind or rng.choice(self.KINDS)
        enquiry = self.some(1)[0]
        if kind == "topic":  # an old enquiry's topic moved at triage
            enquiry.topic = rng.choice(self.topics)
            enquiry.save(update_fields=["topic"])
        elif kind == "moved":  # its received time corrected, to another day
            enquiry.received_at = self.moment()
            enquiry.save(update_fields=["received_at"])
        elif kind == "area":
            enquiry.local_authority = rng.choice(self.areas)
            enquiry.save()
        elif kind == "channel_saved_without_fields":
            enquiry.channel = rng.choice(list(Channel))
            enquiry.save()
        elif kind == "deleted":
            enquiry.delete()
        elif kind == "update":  # a merge or an anonymisation: QuerySet.update
            pks = [e.pk for e in self.some(5)]
            Enquiry.objects.filter(pk__in=pks).update(channel=rng.choice(list(Channel)))
        elif kind == "update_received":
            pks = [e.pk for e in self.some(4)]
            shift = timedelta(hours=rng.choice([-30, -5, 3, 50]))
            Enquiry.objects.filter(pk__in=pks).update(received_at=F("received_at") + shift)
        elif kind == "bulk_create":  # an import or the demo seeder
            new = []
            for _ in range(rng.randint(1, 4)):
                self.serial += 1
                new.append(
                    EnquiryFactory.build(
                        reference=format_reference(2026, self.serial), **self.fields()
                    )
                )
            Enquiry.objects.bulk_create(new)
        elif kind == "responded":  # a first response now (or again, moved)
            enquiry.first_response_at = self.later(enquiry.received_at)
            enquiry.first_response_working_days = rng.randint(0, 9)
            enquiry.save(update_fields=["first_response_at", "first_response_working_days"])
        elif kind == "resolved_and_closed":
            enquiry.resolved_at = self.later(enquiry.received_at)
            enquiry.resolution_working_days = rng.randint(0, 30)
            enquiry.closed_at, enquiry.status = self.later(enquiry.resolved_at), Status.CLOSED
            enquiry.save()
        elif kind == "reopened":  # an old enquiry reopened: its received day's figures move
            enquiry.status, enquiry.closed_at, enquiry.resolved_at = Status.IN_PROGRESS, None, None
            enquiry.resolution_working_days = None
            enquiry.save(
                update_fields=["status", "closed_at", "resolved_at", "resolution_working_days"]
            )
        elif kind == "due_moved":  # paused for the group: the due dates move on
            shift = timedelta(days=rng.choice([-4, 3, 12]))
            Enquiry.objects.filter(pk=enquiry.pk, first_response_due__isnull=False).update(
                first_response_due=F("first_response_due") + shift
            )
            enquiry.refresh_from_db()
            enquiry.resolution_due = self.due(enquiry.received_at)
            enquiry.save(update_fields=["resolution_due"])
        elif kind == "closed_by_update":  # a bulk closure
            pks = [e.pk for e in self.some(3)]
            Enquiry.objects.filter(pk__in=pks, closed_at__isnull=True).update(
                status=Status.CLOSED, closed_at=NOW - timedelta(hours=rng.randint(1, 900))
            )
        elif kind == "reassigned":  # given to another adviser (or released)
            enquiry.assigned_to = rng.choice([a for a in self.advisers if a != enquiry.assigned_to])
            enquiry.save(update_fields=["assigned_to"])
        elif kind == "reassigned_by_update":  # an adviser leaving: their enquiries released
            adviser = rng.choice(self.advisers[:-1])
            Enquiry.objects.filter(assigned_to=adviser).update(assigned_to=None)
        elif kind == "secondary_set":  # at triage, or carried over by a merge: a new set
            before = set(enquiry.secondary_topics.all())
            chosen = self.secondary(enquiry)
            while not chosen or set(chosen) == before:
                chosen = self.secondary(enquiry)
            enquiry.secondary_topics.set(chosen)
        elif kind == "secondary_added_from_the_topic":
            topic = rng.choice([t for t in self.topics if t is not None])
            topic.secondary_enquiries.add(*[e for e in self.some(3) if e.topic_id != topic.pk])
        elif kind == "secondary_cleared_from_the_topic":
            rng.choice([t for t in self.topics if t is not None]).secondary_enquiries.clear()
        elif kind == "outcome_recorded":
            self.record(enquiry)
        elif kind == "outcome_deleted":
            self.an_outcome().delete()
        elif kind == "outcome_code":  # corrected: another code or stage, saved
            outcome = self.an_outcome()
            for name, value in self.outcome_fields(outcome.enquiry).items():
                if name != "enquiry":
                    setattr(outcome, name, value)
            outcome.save()
        elif kind == "outcome_saved_at_another_time":
            outcome = self.an_outcome()
            outcome.recorded_at = self.later(outcome.enquiry.received_at)
            outcome.save(update_fields=["recorded_at"])
        elif kind == "outcome_moved":  # to another day: update()
            shift = timedelta(hours=rng.choice([-30, -5, 3, 50, 800]))
            Outcome.objects.filter(pk=self.an_outcome().pk).update(
                recorded_at=F("recorded_at") + shift
            )
        elif kind == "outcomes_merged":  # a duplicate merged: its outcomes move over
            Outcome.objects.filter(enquiry=enquiry).update(enquiry=self.some(1)[0])
        elif kind == "outcomes_bulk_created":  # an import
            new = [
                Outcome(recorded_by=self.recorder, **self.outcome_fields(e)) for e in self.some(3)
            ]
            Outcome.objects.bulk_create(new)
        elif kind == "org_type":
            organisation = rng.choice(list(Organisation.objects.all()))
            organisation.org_type = rng.choice(list(EnquirerType))
            organisation.save()
        elif kind == "organisation":  # organisations merged: update()
            contact = rng.choice(self.contacts)
            Enquiry.objects.filter(pk=enquiry.pk).update(organisation=contact.organisation)
        else:
            self.assign(enquiry)
        return kind


def random_params(rng: random.Random, topics, areas, teams) -> ReportParams:
    first = FIRST + timedelta(days=rng.randint(0, 200))
    last = min(first + timedelta(days=rng.choice([0, 6, 30, 90, 180])), NOW.date())
    filters: dict = {}
    for name, values in [
        ("team", list(teams.values())),
        ("topic", list(topics.values())),
        ("area", list(areas.values())[:8]),
        ("region", list(Region.objects.all())),
        ("channel", list(Channel)),
        ("adviser", list(Adviser.objects.filter(user__username__in=["avery", "blake"]))),
    ]:
        if rng.random() < 0.25:
            filters[name] = rng.choice(values)
    bucket = "day" if (last - first).days < 40 else rng.choice(["week", "month"])
    return ReportParams(date_from=first, date_to=last, bucket=bucket, **filters)


def received_tables(name: str, params: ReportParams, user) -> dict:
    report = build_report(name, params, user=user)
    return {
        t.key: [[(c.value, c.href) for c in row] for row in t.rows]
        for t in report.tables
        if t.key in RECEIVED_TABLES[name]
    }


def from_source(name: str, params: ReportParams, user, monkeypatch) -> dict:
    """The same tables with the rollups turned off: every figure from the source rows."""
    with monkeypatch.context() as patch:
        patch.setattr(scope, "rollup_q", lambda params, user=None: None)
        return received_tables(name, params, user)


def assert_exact(rng, topics, areas, teams, user, monkeypatch, rounds: int = 6) -> None:
    for _ in range(rounds):
        params = random_params(rng, topics, areas, teams)
        for name in RECEIVED_TABLES:
            assert received_tables(name, params, user) == from_source(
                name, params, user, monkeypatch
            ), (name, params)


ROLLUPS = [
    (ReceivedDay, lambda day: services.with_margins(day, services.received_day_rows(day)), ()),
    (
        ServiceDay,
        lambda day: services.service_totals(day, services.service_day_rows(day)),
        ("clock", "working_days", "state", "due"),
    ),
    (
        ClosedDay,
        lambda day: services.closed_totals(day, services.closed_day_rows(day)),
        ("closed_on",),
    ),
    (
        AlsoAboutDay,
        services.also_about_day_rows,
        ("secondary",),
    ),
    (
        OutcomeDay,
        lambda day: services.outcome_totals(day, services.outcome_day_rows(day)),
        ("code", "plan_stage", "prev_any_on", "prev_code_on", "prev_stage_on"),
    ),
]


DIMENSIONS = ("grain", "channel", "topic_id", "area_id", "enquirer_type", "team_id")
DIMENSIONS += ("adviser_id",)


def assert_clean_days_exact(days: list[date] | None = None, label: str = "") -> None:
    """The invariant itself: every day without a dirty row has exactly its source rows,
    in each rollup (``days``: by default every day of the data, and then every month
    too: ``assert_clean_months_exact``)."""
    dirty = set(RollupDirtyDay.objects.values_list("day", flat=True))
    every_day = (FIRST + timedelta(days=i) for i in range((NOW.date() - FIRST).days + 1))
    for day in every_day if days is None else days:
        if day in dirty:
            continue
        for model, compute, measures in ROLLUPS:
            key = (*DIMENSIONS, *measures, "count")
            stored = model.objects.filter(day=day, span=Span.DAY).values_list(*key)
            source = [tuple(getattr(row, field) for field in key) for row in compute(day)]
            assert sorted(stored, key=repr) == sorted(source, key=repr), (
                model.__name__,
                day,
                label,
            )
    if days is None:
        assert_clean_months_exact(label)


def assert_clean_months_exact(label: str = "") -> int:
    """The months' invariant: every month without a mark whose days are clean has month
    rows equal to its day rows summed (an outcome's previous days inside the month
    folded to its first day); how many such months."""
    dirty_days = set(RollupDirtyDay.objects.values_list("day", flat=True))
    marked = set(RollupDirtyMonth.objects.values_list("month", flat=True))
    clean = 0
    month = FIRST
    while month <= NOW.date():
        end = month_end(month)
        if month not in marked and not any(month <= d <= end for d in dirty_days):
            clean += 1
            for model, _, measures in ROLLUPS:
                key = (*DIMENSIONS, *measures)
                sums: dict[tuple, int] = {}
                days = model.objects.filter(span=Span.DAY, day__gte=month, day__lte=end)
                for *values, n in days.values_list(*key, "count"):
                    row = dict(zip(key, values, strict=True))
                    for name in services.MONTH_COLLAPSED.get(model, ()):
                        if row[name] is not None and row[name] >= month:
                            row[name] = month
                    folded = tuple(row[name] for name in key)
                    sums[folded] = sums.get(folded, 0) + n
                stored = model.objects.filter(span=Span.MONTH, day=month).values_list(*key, "count")
                assert sorted(stored, key=repr) == sorted(
                    ((*k, n) for k, n in sums.items()), key=repr
                ), (model.__name__, month, label)
        month = end + timedelta(days=1)
    return clean


def test_rollup_figures_equal_source_figures_through_random_changes(
    topics, areas, teams, manager, monkeypatch
):
    rng = random.Random(21)
    desk = Desk(rng, topics, areas, teams)
    desk.add(140)
    desk.add_open_due_near_today()
    assert RollupDirtyDay.objects.exists()  # every write marked its day
    assert_exact(rng, topics, areas, teams, manager.user, monkeypatch, rounds=3)  # all dirty

    services.dirty_refresh()
    assert not RollupDirtyDay.objects.exists()
    assert ReceivedDay.objects.exists()
    # March to October are over and summed; November, under way, keeps its mark
    assert list(RollupDirtyMonth.objects.values_list("month", flat=True)) == [date(2026, 11, 1)]
    assert assert_clean_months_exact() == 8
    assert_clean_days_exact()
    assert_exact(rng, topics, areas, teams, manager.user, monkeypatch)

    assert ServiceDay.objects.filter(state="open", due__lt=NOW.date()).exists()
    assert ServiceDay.objects.filter(state="missed").exists() and ClosedDay.objects.exists()
    # repeats: an enquiry's earlier outcome of the code, and of the stage
    assert OutcomeDay.objects.filter(prev_code_on__isnull=False).exists()
    assert OutcomeDay.objects.filter(prev_stage_on__isnull=False).exists()
    assert AlsoAboutDay.objects.filter(secondary__contains=",").exists()

    # Each kind of change alone on clean rollups: a day it moved but did not mark shows
    # at once (among other changes, another one's mark could hide it).
    for kind in rng.sample(Desk.KINDS, len(Desk.KINDS)):
        services.dirty_refresh()
        desk.change(kind)
        assert_clean_days_exact(label=kind)

    kinds: set[str] = set()
    order = rng.sample(Desk.KINDS, len(Desk.KINDS))
    for step in range(10):
        for _ in range(rng.randint(1, 6) + (3 if order else 0)):
            # every kind once in the first steps (each must keep the figures exact), then
            # random ones
            kinds.add(desk.change(order.pop() if order else None))
        if step % 3 == 1:
            services.dirty_refresh(limit=rng.randint(1, 5))  # part refreshed
        elif step % 3 == 2:
            services.dirty_refresh()
        assert_clean_days_exact()
        assert_exact(rng, topics, areas, teams, manager.user, monkeypatch, rounds=3)
    assert kinds == set(Desk.KINDS)


def test_a_clean_period_reads_rollups_only_and_a_changed_day_from_its_source(
    topics, areas, teams, manager
):
    desk = Desk(random.Random(7), topics, areas, teams)
    desk.add(30)
    services.dirty_refresh()
    params = ReportParams(date_from=FIRST, date_to=NOW.date(), bucket="month")
    parts = scope.received_parts(params, params.date_from, params.date_to, user=manager.user)
    assert parts.rollup is not None and parts.source is None
    assert parts.whole  # no filters: each figure from its one-dimension grain
    filtered = ReportParams(FIRST, NOW.date(), channel=Channel.WEB)
    parts = scope.received_parts(filtered, FIRST, NOW.date(), user=manager.user)
    assert not parts.whole and set(parts.rollup.values_list("grain", flat=True)) == {"full"}

    enquiry = Enquiry.objects.order_by("pk").first()
    enquiry.topic = None
    enquiry.save(update_fields=["topic"])
    parts = scope.received_parts(params, params.date_from, params.date_to, user=manager.user)
    day = local_day(enquiry.received_at)
    that_day = Enquiry.objects.filter(
        received_at__gte=day_start(day), received_at__lt=day_start(day + timedelta(days=1))
    )
    assert set(parts.source.values_list("pk", flat=True)) == set(
        that_day.values_list("pk", flat=True)
    )
    assert not parts.rollup.filter(day=day).exists()  # that day from one part only


def test_whole_clean_months_are_read_as_month_rows_unless_a_figure_splits_them(
    topics, areas, teams, manager
):
    desk = Desk(random.Random(8), topics, areas, teams)
    desk.add(60)
    services.dirty_refresh()
    first, last = date(2026, 3, 15), date(2026, 9, 10)  # April to August whole
    whole = [date(2026, m, 1) for m in range(4, 9)]

    def months_read(parts) -> list[date]:
        rows = parts.rollup.filter(span=Span.MONTH).values_list("day", flat=True)
        return sorted(set(rows))

    by_month = ReportParams(first, last, bucket="month")
    starts = flow.bucket_starts(by_month)
    parts = scope.received_parts(by_month, first, last, user=manager.user, cuts=starts)
    assert months_read(parts) == whole
    # the days of those months are not read too, the others' are
    days = set(parts.rollup.filter(span=Span.DAY).values_list("day", flat=True))
    assert days and not any(date(2026, 4, 1) <= d <= date(2026, 8, 31) for d in days)

    by_week = ReportParams(first, last, bucket="week")
    weeks = flow.bucket_starts(by_week)
    parts = scope.received_parts(by_week, first, last, user=manager.user, cuts=weeks)
    assert months_read(parts) == []  # a week starts inside every month
    # the demand report splits its two periods at the period's first day (1 June here)
    parts = scope.received_parts(
        by_month, date(2026, 4, 10), last, user=manager.user, cuts=[date(2026, 6, 1)]
    )
    assert months_read(parts) == whole[1:]

    # a changed day (and, after its refresh, its month's mark until the months are
    # summed) sends its month back to day rows
    enquiry = Enquiry.objects.filter(received_at__month=6).order_by("pk").first()
    enquiry.topic = None if enquiry.topic_id else next(iter(topics.values()))
    enquiry.save(update_fields=["topic"])
    parts = scope.received_parts(by_month, first, last, user=manager.user, cuts=starts)
    assert date(2026, 6, 1) not in months_read(parts)
    services.day_refresh(day=local_day(enquiry.received_at))
    parts = scope.received_parts(by_month, first, last, user=manager.user, cuts=starts)
    assert date(2026, 6, 1) not in months_read(parts)
    assert services.months_refresh() == 1
    parts = scope.received_parts(by_month, first, last, user=manager.user, cuts=starts)
    assert months_read(parts) == whole
    assert_clean_days_exact()


def test_an_adviser_filter_reads_rollups_and_an_advisers_own_scope_the_source(
    topics, manager, adviser
):
    params = ReportParams(date_from=FIRST, date_to=NOW.date(), adviser=adviser)
    assert scope.rollup_q(params, user=manager.user) == Q(adviser_id=adviser.user_id)
    assert scope.rollup_q(ReportParams(FIRST, NOW.date()), user=adviser.user) is None
    assert scope.rollup_q(ReportParams(FIRST, NOW.date()), user=manager.user) == Q()


def test_a_write_during_a_refresh_leaves_the_day_dirty(topics, areas, teams, monkeypatch):
    """The race the version guards: a change committed after the refresh read the version
    (here: made while it recomputes) must not be lost by deleting the dirty row."""
    desk = Desk(random.Random(3), topics, areas, teams)
    desk.add(5)
    enquiry = Enquiry.objects.order_by("pk").first()
    day = local_day(enquiry.received_at)
    compute = services.received_day_rows

    def with_a_write_meanwhile(d: date):
        rows = compute(d)
        enquiry.channel = Channel.PHONE if enquiry.channel != Channel.PHONE else Channel.EMAIL
        enquiry.save(update_fields=["channel"])
        return rows

    monkeypatch.setattr(services, "received_day_rows", with_a_write_meanwhile)
    assert services.day_refresh(day=day) is False
    assert RollupDirtyDay.objects.filter(day=day).exists()
    monkeypatch.undo()
    assert services.day_refresh(day=day) is True
    assert_clean_days_exact()


def test_rebuild_and_refresh_commands(topics, areas, teams):
    desk = Desk(random.Random(5), topics, areas, teams)
    desk.add(20)
    out = StringIO()
    call_command("rollups_refresh", stdout=out)
    assert "days refreshed" in out.getvalue() and not RollupDirtyDay.objects.exists()
    ReceivedDay.objects.update(count=F("count") + 1)  # damaged, as if restored from elsewhere
    call_command("rollups_rebuild", "--from", str(FIRST), "--to", str(NOW.date()), stdout=out)
    assert_clean_days_exact()
    assert "days rebuilt" in out.getvalue()


def test_runs_of_days():
    d = date(2026, 1, 1)
    days = [d, d + timedelta(1), d + timedelta(2), d + timedelta(5)]
    assert runs(reversed(days)) == [(d, d + timedelta(2)), (d + timedelta(5), d + timedelta(5))]
    assert selectors.received_at_q([]).children  # an empty Q would match everything


def outcome_figures(name: str, params: ReportParams, user):
    """The outcomes report's rollup figures alone (its repeat enquirers, read from the
    enquiries, take one query more when groups tie at the 25th place)."""
    return impact.outcome_figures(params, user=user)


@pytest.mark.parametrize(
    ("name", "build"),
    [("flow", build_report), ("demand", build_report), ("outcomes", outcome_figures)],
)
def test_report_queries_do_not_grow_with_the_period(name, build, topics, areas, teams, manager):
    """Clean and dirty days in the period: the same queries for a week as for a year."""
    desk = Desk(random.Random(9), topics, areas, teams)
    desk.add(40)
    services.dirty_refresh()
    services.days_dirty(days=[NOW.date() - timedelta(days=1)])  # in every period below
    build_report(name, ReportParams(FIRST, NOW.date()), user=manager.user)  # the user's perms
    counts = []
    for days in (7, 60, 260):
        params = ReportParams(NOW.date() - timedelta(days=days), NOW.date(), bucket="month")
        with CaptureQueriesContext(connection) as queries:
            build(name, params, user=manager.user)
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts


def test_a_new_instance_saved_over_a_stored_enquiry_marks_its_day(topics, areas, teams):
    desk = Desk(random.Random(11), topics, areas, teams)
    desk.add(3)
    services.dirty_refresh()
    copy = Enquiry.objects.order_by("pk").first()
    copy._state.adding = True  # as loaddata's objects are: new instances with a stored id
    copy.topic = None if copy.topic_id else next(iter(topics.values()))
    copy.save()
    assert RollupDirtyDay.objects.filter(day=local_day(copy.received_at)).exists()


def test_bulk_create_as_an_upsert_is_refused(topics):
    enquiry = EnquiryFactory()
    with pytest.raises(ValueError, match="update"):
        Enquiry.objects.bulk_create(
            [enquiry], update_conflicts=True, unique_fields=["reference"], update_fields=["topic"]
        )


def test_each_outcome_write_marks_the_days_of_its_enquirys_outcomes(topics, areas, teams):
    """The previous days tie an enquiry's outcomes together: a write of one marks the day
    it was on and the days of all its enquiry's outcomes (before and after)."""
    desk = Desk(random.Random(13), topics, areas, teams)
    first, other = EnquiryFactory(**desk.fields()), EnquiryFactory(**desk.fields())
    days = [FIRST + timedelta(days=d) for d in (10, 20, 30, 40)]

    def outcome_on(enquiry: Enquiry, day: date) -> Outcome:
        outcome = desk.record(enquiry)
        Outcome.objects.filter(pk=outcome.pk).update(recorded_at=day_start(day))
        return outcome

    moved, kept = outcome_on(first, days[0]), outcome_on(first, days[1])
    outcome_on(other, days[2])

    def marked_after(write) -> set[date]:
        services.dirty_refresh()
        assert_clean_days_exact(days)
        write()
        return set(RollupDirtyDay.objects.values_list("day", flat=True))

    to_day = day_start(days[3]) + timedelta(hours=2)
    assert marked_after(lambda: Outcome.objects.filter(pk=moved.pk).update(recorded_at=to_day)) == {
        days[0],
        days[1],
        days[3],
    }
    assert marked_after(
        lambda: Outcome.objects.filter(enquiry=first).update(enquiry=other)  # a merge
    ) == {days[1], days[2], days[3]}
    kept.refresh_from_db()
    kept.code = OutcomeCode.PLAN_MADE if kept.code != OutcomeCode.PLAN_MADE else "asset_listed"
    kept.plan_stage = ""
    assert marked_after(lambda: kept.save()) == {days[1], days[2], days[3]}
    kept.recorded_at = day_start(days[0])
    assert marked_after(lambda: kept.save(update_fields=["recorded_at"])) == {
        days[0],
        days[1],
        days[2],
        days[3],
    }
    assert marked_after(lambda: kept.delete()) == {days[0], days[2], days[3]}
    assert marked_after(lambda: Outcome.objects.update(detail="")) == set()  # anonymised
    services.dirty_refresh()
    assert_clean_days_exact(days)


def test_each_secondary_topic_write_marks_its_enquiries_days(topics, areas, teams):
    """From the enquiry's side and from the topic's, and a topic deleted (which removes
    its rows without an m2m signal): the days of the enquiries whose sets changed (from
    the topic's side, their outcomes' days too: ``enquiries_dirty``)."""
    desk = Desk(random.Random(17), topics, areas, teams)
    desk.add(4)
    extra = Topic.objects.create(name="Short-lived", slug="short-lived")
    first, second = Enquiry.objects.order_by("pk")[:2]
    days = {local_day(first.received_at), local_day(second.received_at)}

    def marked_after(write) -> set[date]:
        services.dirty_refresh()
        assert_clean_days_exact(sorted(days))
        write()
        return set(RollupDirtyDay.objects.values_list("day", flat=True))

    assert marked_after(lambda: first.secondary_topics.set([extra])) >= {
        local_day(first.received_at)
    }
    assert marked_after(lambda: extra.secondary_enquiries.add(second)) >= {
        local_day(second.received_at)
    }
    assert marked_after(lambda: first.secondary_topics.remove(extra)) >= {
        local_day(first.received_at)
    }
    first.secondary_topics.add(extra)
    assert marked_after(lambda: extra.secondary_enquiries.clear()) >= days
    extra.secondary_enquiries.add(first, second)
    assert marked_after(lambda: extra.delete()) >= days
    services.dirty_refresh()
    assert not AlsoAboutDay.objects.filter(secondary__contains=str(extra.pk)).exists()
    assert_clean_days_exact(sorted(days))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_enquiry_inserted_in_an_open_transaction_is_marked_once_then_as_any_other(
    topics, areas, teams
):
    """Saves of a new enquiry in its own transaction mark nothing more unless its day
    moves (``CREATED_DAYS``); once committed, its saves mark as any enquiry's do."""
    desk = Desk(random.Random(19), topics, areas, teams)
    RollupDirtyDay.objects.all().delete()
    with transaction.atomic():
        enquiry = EnquiryFactory(**desk.fields())
        first_day = local_day(enquiry.received_at)
        desk.assign(enquiry)  # as routing does
        enquiry.assigned_to = desk.advisers[0]
        enquiry.save(update_fields=["assigned_to"])
        assert list(RollupDirtyDay.objects.values_list("day", flat=True)) == [first_day]
        enquiry.received_at -= timedelta(days=3)  # corrected before it was committed
        enquiry.save(update_fields=["received_at"])
        moved_day = local_day(enquiry.received_at)
        assert set(RollupDirtyDay.objects.values_list("day", flat=True)) == {
            first_day,
            moved_day,
        }
    services.dirty_refresh()
    assert not RollupDirtyDay.objects.exists()
    enquiry.assigned_to = desk.advisers[1]
    enquiry.save(update_fields=["assigned_to"])  # committed: read and marked again
    assert set(RollupDirtyDay.objects.values_list("day", flat=True)) == {moved_day}
    services.dirty_refresh()
    assert_clean_days_exact([first_day, moved_day])
