"""Per-day rollups of the figures reports read, and the days whose rollup may be stale
(docs/reports.md, "Rollups"). Only the received figures so far: ``ReceivedDay``."""

from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce


class ReceivedDay(models.Model):
    """How many enquiries were received on ``day`` (a local date, ``TIME_ZONE``) with these
    dimensions: channel, topic (the enquiry's own, not its top level), area, enquirer type
    (the organisation's type; NULL without one) and team (of the current assignment).

    Rows of the ``full`` grain carry every dimension (for a report with filters); a row of
    a one-dimension grain (``channel``, ``topic``, ``enquirer_type``, ``area``) sums the
    day's full rows by that dimension alone, the others empty (for a report without
    filters: a few rows a day, where the full grain has nearly one per enquiry).

    Written only by ``casework.rollups.services.day_refresh``, which replaces a day's rows
    whole; trusted by reports only for days without a ``RollupDirtyDay``. The ids are not
    foreign keys: a row of a dirty day may name a topic whose last enquiry moved away.
    """

    class Grain(models.TextChoices):
        FULL = "full", "Every dimension"
        CHANNEL = "channel", "Channel"
        TOPIC = "topic", "Topic"
        ENQUIRER_TYPE = "enquirer_type", "Enquirer type"
        AREA = "area", "Area"

    day = models.DateField()
    grain = models.CharField(max_length=16, choices=Grain.choices)
    channel = models.CharField(max_length=16, blank=True)
    topic_id = models.BigIntegerField(null=True)
    area_id = models.BigIntegerField(null=True)
    enquirer_type = models.CharField(max_length=32, null=True)
    team_id = models.BigIntegerField(null=True)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # One row per day and dimensions; NULL counts as a value (COALESCE, which both
            # SQLite and PostgreSQL index; ``nulls_distinct`` is PostgreSQL 15+ only).
            models.UniqueConstraint(
                "day",
                "grain",
                "channel",
                Coalesce("topic_id", Value(0)),
                Coalesce("area_id", Value(0)),
                Coalesce("enquirer_type", Value("")),
                Coalesce("team_id", Value(0)),
                name="received_day_once",
            ),  # also the index that reads a period (it leads with the day)
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
