"""Where a report reads from: the read replica when there is one and it is close enough
behind, otherwise the primary (docs/reports.md, "The read replica").

``report_source()`` is the one place that decides. Reports are lag-tolerant: a figure a
few seconds old is as good as one read now, and reading them on the replica keeps their
scans off the server the desk writes to. But a manager must know how fresh the figures
are, so every report carries its source: the page says "figures as of 14:03:07", or that
they were read from the main database and why; the API and the CSV carry the same in
headers (and the API in its body).
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connections
from django.utils import timezone

from config.replica import PRIMARY, REPLICA, ReplicaStatus, replica_configured, replica_status


@dataclass(frozen=True)
class ReadSource:
    """The database a report reads (``alias``), what moment its figures reflect, and why
    it is the primary although a replica is configured (``fallback``, "" otherwise)."""

    alias: str
    as_of: datetime
    fallback: str = ""

    @property
    def database(self) -> str:
        return "replica" if self.alias == REPLICA else "primary"

    def note(self) -> str:
        """What the page says about the figures' freshness ("" without a replica)."""
        if self.alias == REPLICA:
            when = timezone.localtime(self.as_of)
            return f"Figures as of {when:%H:%M:%S}, from the read replica."
        if self.fallback:
            return f"Figures read from the main database: {self.fallback}."
        return ""

    def headers(self) -> dict[str, str]:
        """The same facts for the API and the CSV."""
        headers = {"X-Report-Source": self.database, "X-Report-As-Of": self.as_of.isoformat()}
        if self.fallback:
            headers["X-Report-Fallback"] = self.fallback
        return headers


def choose(status: ReplicaStatus, *, now: datetime, max_lag_seconds: float) -> ReadSource:
    """The replica while it is reachable and at most ``max_lag_seconds`` behind."""
    if problem := status.problem(max_lag_seconds):
        return ReadSource(PRIMARY, now, fallback=problem)
    return ReadSource(REPLICA, status.as_of or now)


def report_source() -> ReadSource:
    """The primary when no replica is configured, or when the caller is inside a
    transaction on the primary (whose own writes, not yet committed, the replica cannot
    see: a command, a test); otherwise ``choose`` on the replica's (briefly cached) lag."""
    now = timezone.now()
    if not replica_configured() or connections[PRIMARY].in_atomic_block:
        return ReadSource(PRIMARY, now)
    status = replica_status()
    if status is None:
        return ReadSource(PRIMARY, now)
    return choose(status, now=now, max_lag_seconds=settings.REPLICA_MAX_LAG_SECONDS)


def after_replica_failure(error: Exception) -> ReadSource:
    """The primary, after the replica failed part way through a report (it went away, or
    cancelled a query that conflicted with replay)."""
    return ReadSource(
        PRIMARY,
        timezone.now(),
        fallback=f"the replica failed while reading ({type(error).__name__})",
    )
