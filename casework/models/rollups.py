"""Per-day rollups of the figures reports read, and the days whose rollup may be stale
(docs/reports.md, "Rollups"): enquiries received (``ReceivedDay``), their service clocks
(``ServiceDay``), closures (``ClosedDay``) and secondary topics (``AlsoAboutDay``), keyed
by the day received; and outcomes (``OutcomeDay``), keyed by the day recorded. Each
rollup holds rows of two spans: a day's, and a whole month's (the sum of its days'
rows, for the whole months inside a period: ``RollupDirtyMonth``)."""

from datetime import date

from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce


def day_key() -> tuple[str | Coalesce, ...]:
    """The start of each rollup's unique key: day, grain and dimensions, NULL counted as a
    value (``COALESCE``, which both SQLite and PostgreSQL index; ``nulls_distinct`` is
    PostgreSQL 15+ only). It also leads the index that reads a period."""
    return (
        "day",
        "span",
        "grain",
        "channel",
        Coalesce("topic_id", Value(0)),
        Coalesce("area_id", Value(0)),
        Coalesce("enquirer_type", Value("")),
        Coalesce("team_id", Value(0)),
        Coalesce("adviser_id", Value(0)),
    )


class Span(models.TextChoices):
    """What a rollup row sums: one day, or a whole month (``day`` is then the month's
    first day, and the row the sum of the month's day rows with the same values)."""

    DAY = "day", "One day"
    MONTH = "month", "A whole month"


class DayDimensions(models.Model):
    """What every rollup row has: the local date received (``TIME_ZONE``), the
    dimensions reports filter and group by (the adviser: the user the enquiry is assigned
    to), and how many enquiries. The ids are not
    foreign keys: a row of a dirty day may name a topic whose last enquiry moved away."""

    day = models.DateField()
    span = models.CharField(max_length=5, choices=Span.choices, default=Span.DAY)
    channel = models.CharField(max_length=16, blank=True)
    topic_id = models.BigIntegerField(null=True)
    area_id = models.BigIntegerField(null=True)
    enquirer_type = models.CharField(max_length=32, null=True)
    team_id = models.BigIntegerField(null=True)
    adviser_id = models.BigIntegerField(null=True)  # the enquiry's ``assigned_to``
    count = models.PositiveIntegerField()

    class Meta:
        abstract = True


class ReceivedDay(DayDimensions):
    """How many enquiries were received on ``day`` (a local date, ``TIME_ZONE``) with these
    dimensions: channel, topic (the enquiry's own, not its top level), area, enquirer type
    (the organisation's type; NULL without one), team (of the current assignment) and
    adviser (the user it is assigned to).

    Rows of the ``full`` grain carry every dimension (for a report with filters); a row of
    a one-dimension grain (``channel``, ``topic``, ``enquirer_type``, ``area``) sums the
    day's full rows by that dimension alone, the others empty (for a report without
    filters: a few rows a day, where the full grain has nearly one per enquiry).

    Written only by ``casework.rollups.services.day_refresh``, which replaces a day's rows
    whole; trusted by reports only for days without a ``RollupDirtyDay``.
    """

    class Grain(models.TextChoices):
        FULL = "full", "Every dimension"
        CHANNEL = "channel", "Channel"
        TOPIC = "topic", "Topic"
        ENQUIRER_TYPE = "enquirer_type", "Enquirer type"
        AREA = "area", "Area"

    grain = models.CharField(max_length=16, choices=Grain.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(*day_key(), name="received_day_once"),
            models.CheckConstraint(condition=models.Q(count__gt=0), name="received_day_counts"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.count}"


class RollupDirtyDay(models.Model):
    """A mark that a day's rollup rows may not match its source rows: every write that can
    move a day's figures inserts one after it, in its own transaction (a new row, so
    writers never wait on each other); the refresh deletes exactly the marks it read
    before recomputing the day. A day is dirty while it has a mark."""

    day = models.DateField(db_index=True)

    def __str__(self) -> str:
        return f"{self.day} (mark {self.pk})"


class RollupDirtyMonth(models.Model):
    """A mark that a month's month rows (``Span.MONTH``) may not be the sum of its day
    rows: ``day_refresh`` adds one (unless there is one) in the transaction that replaces
    a day's rows; ``month_refresh`` deletes the marks it read before summing the days.
    A report reads a month's month rows only when the month has no mark and none of its
    days is dirty; the month under way keeps its mark until it is over."""

    month = models.DateField(db_index=True)  # the month's first day

    def __str__(self) -> str:
        return f"{self.month:%B %Y} (mark {self.pk})"


class ServiceDay(DayDimensions):
    """The service clocks of the enquiries received on ``day`` (a local date): for each
    clock (first response, resolution), how many enquiries with these dimensions (those
    of ``ReceivedDay``) took ``working_days`` (NULL: not yet done) and stand ``state``
    against their due date (``due``: the due date of those still open against it).

    A histogram, not a sum: the durations are whole working days, so the median and the
    90th percentile of any set of days are exact from the counts per value. Rows of the
    ``full`` grain carry every dimension; rows of grain ``all`` sum a day's full rows
    (for reports without filters). Rows that say nothing (no duration, no due date) are
    not kept. Written only with the day's ``ReceivedDay`` rows, by ``day_refresh``.
    """

    class Grain(models.TextChoices):
        FULL = "full", "Every dimension"
        ALL = "all", "No dimension"

    class Clock(models.TextChoices):
        RESPONSE = "response", "First response"
        RESOLUTION = "resolution", "Resolution"

    class State(models.TextChoices):
        NONE = "none", "No due date"
        MET = "met", "Done on or before the due date"
        MISSED = "missed", "Done after the due date"
        OPEN = "open", "Not done yet"

    grain = models.CharField(max_length=8, choices=Grain.choices)
    clock = models.CharField(max_length=16, choices=Clock.choices)
    working_days = models.PositiveIntegerField(null=True)
    state = models.CharField(max_length=8, choices=State.choices)
    due = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                *day_key(),
                "clock",
                Coalesce("working_days", Value(-1)),
                "state",
                Coalesce("due", Value(date.min)),
                name="service_day_once",
            ),
            models.CheckConstraint(condition=models.Q(count__gt=0), name="service_day_counts"),
            models.CheckConstraint(
                condition=models.Q(state="open") | models.Q(due__isnull=True),
                name="service_day_due_only_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.clock} {self.state}: {self.count}"


class ClosedDay(DayDimensions):
    """How many enquiries received on ``day`` with these dimensions (those of
    ``ReceivedDay``) were closed on ``closed_on`` (a local date). Keyed by the received
    day so that the same dirty marks keep it exact; read by ``closed_on`` (its own index):
    the closures of a period are the rows closed in it, whichever day they came in. Rows of
    grain ``all`` sum a day's full rows by ``closed_on`` alone."""

    grain = models.CharField(max_length=8, choices=ServiceDay.Grain.choices)
    closed_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                *day_key(),
                "closed_on",
                name="closed_day_once",
            ),
            models.CheckConstraint(condition=models.Q(count__gt=0), name="closed_day_counts"),
        ]
        indexes = [models.Index(fields=["closed_on", "grain"], name="closed_day_closed_on_idx")]

    def __str__(self) -> str:
        return f"{self.day} closed {self.closed_on}: {self.count}"


class OutcomeDay(DayDimensions):
    """How many outcomes were recorded on ``day`` (a local date; unlike the other rollups,
    the outcome's own day, the one reports count it by) with this ``code`` (and
    ``plan_stage``), on enquiries with these dimensions (those of ``ReceivedDay``, as the
    enquiry is now), whose enquiry's previous outcome was recorded on ``prev_any_on``, its
    previous outcome of this code on ``prev_code_on`` and, for a plan stage, its previous
    outcome of this stage on ``prev_stage_on`` (NULL: none before; previous by recorded
    time, then id).

    The previous days make distinct enquiries exact over any period of whole days: an
    enquiry has an outcome of a code in the period exactly once as an outcome in it whose
    previous one of that code is before the period's first day (or none).

    Grains: ``full`` (every field); ``code`` (code, stage and the code's and stage's
    previous days: the tables by code and by stage); ``topic`` and ``area`` (that
    dimension, the code and ``prev_any_on``: the tables by topic and by area). The last
    three serve reports without filters. Written only by ``day_refresh``, with the day's
    other rows; every write of an outcome marks the days of all its enquiry's outcomes.
    """

    class Grain(models.TextChoices):
        FULL = "full", "Every field"
        CODE = "code", "Code and stage"
        TOPIC = "topic", "Topic"
        AREA = "area", "Area"

    grain = models.CharField(max_length=8, choices=Grain.choices)
    code = models.CharField(max_length=32)
    plan_stage = models.CharField(max_length=32, blank=True)
    prev_any_on = models.DateField(null=True)
    prev_code_on = models.DateField(null=True)
    prev_stage_on = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                *day_key(),
                "code",
                "plan_stage",
                Coalesce("prev_any_on", Value(date.min)),
                Coalesce("prev_code_on", Value(date.min)),
                Coalesce("prev_stage_on", Value(date.min)),
                name="outcome_day_once",
            ),
            models.CheckConstraint(condition=models.Q(count__gt=0), name="outcome_day_counts"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.code}: {self.count}"


class AlsoAboutDay(DayDimensions):
    """How many enquiries received on ``day`` with these dimensions (``ReceivedDay``'s)
    have exactly the secondary topics ``secondary`` (their ids, ascending, joined by
    commas); only enquiries with one or more. Kept as sets, not per topic: the demand
    report counts an enquiry once per top-level topic its secondary topics fall under,
    with the topic tree as it is when the report is read. Grains: ``full`` (every
    dimension) and ``topic`` (the enquiry's topic and the set: reports without filters).
    Written only by ``day_refresh``, with the day's other rows."""

    class Grain(models.TextChoices):
        FULL = "full", "Every dimension"
        TOPIC = "topic", "Topic"

    grain = models.CharField(max_length=8, choices=Grain.choices)
    secondary = models.CharField(max_length=500)

    class Meta:
        constraints = [
            models.UniqueConstraint(*day_key(), "secondary", name="also_about_day_once"),
            models.CheckConstraint(condition=models.Q(count__gt=0), name="also_about_day_counts"),
        ]

    def __str__(self) -> str:
        return f"{self.day} also about {self.secondary}: {self.count}"
