"""The read replica for reports: a PostgreSQL streaming standby of the primary, named by
``DATABASE_REPLICA_URL`` (docs/reports.md, "The read replica"). Imports no app.

* ``ReplicaRouter`` (in ``DATABASE_ROUTERS`` only when a replica is configured) sends a
  read to the replica only inside ``reading_from(REPLICA)``, which the report layer
  enters when it has chosen the replica (``casework.reports.source``). Every other read,
  and every write wherever it is made, goes to the primary. (The standby refuses writes
  anyway: it is read-only until promoted.)
* ``replica_status()`` measures how far behind the replica is, at most once every
  ``REPLICA_CHECK_SECONDS`` per process, so a report does not pay for the check. It never
  raises: a replica that cannot be reached is a status, with its error's class name.

How lag is measured: the replica is caught up when it has replayed what it has received
(``pg_last_wal_receive_lsn()``) and what the primary has flushed
(``pg_current_wal_flush_lsn()``, which catches a standby cut off from the primary that has
replayed all it received), but for the start of one record the primary is still writing
(``_caught_up``). Then its figures are as of now, however old its last replayed
transaction (``pg_last_xact_replay_timestamp()``): on an idle primary that stays old.
Otherwise, after a quarter of a second's grace to replay the last records, its figures
are as of that transaction's commit, and the lag is the time since.
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"

_reads_from: ContextVar[str | None] = ContextVar("desk_reads_from", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reading_from(alias: str) -> Iterator[None]:
    """Inside: every ORM read (and ``connections[queryset.db]``) uses ``alias``. Writes
    still go to the primary."""
    token = _reads_from.set(alias)
    try:
        yield
    finally:
        _reads_from.reset(token)


class ReplicaRouter:
    """Reads follow ``reading_from``; nothing else ever goes to the replica."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return _reads_from.get()

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same rows, whichever server they were read from

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA  # a standby replays the primary's migrations


@dataclass(frozen=True)
class ReplicaStatus:
    """What the last check found. ``as_of``: the moment the replica's data reflects
    (None when unreachable); ``lag_seconds``: how far that is behind the check."""

    reachable: bool
    lag_seconds: float | None = None  # None: unreachable, or behind by an unknown time
    as_of: datetime | None = None
    fault: str = ""

    def problem(self, max_lag_seconds: float) -> str:
        """Why the replica should not be read now ("" when it may be), for a person."""
        if not self.reachable:
            return "the replica is unreachable"
        if self.lag_seconds is not None and self.lag_seconds > max_lag_seconds:
            return f"the replica is {self.lag_seconds:.0f} s behind"
        if self.lag_seconds is None:
            return "the replica is behind by an unknown time"
        return ""


_lock = threading.Lock()
_last: tuple[float, ReplicaStatus] | None = None


def forget_replica_status() -> None:
    """The next ``replica_status()`` measures again (tests; a failed read)."""
    global _last
    with _lock:
        _last = None


def replica_status() -> ReplicaStatus | None:
    """None without a replica; otherwise the replica's state, measured at most once every
    ``REPLICA_CHECK_SECONDS`` per process (a down replica costs its connect timeout)."""
    global _last
    if not replica_configured():
        return None
    with _lock:
        cached = _last
    if cached is not None and time.monotonic() - cached[0] < settings.REPLICA_CHECK_SECONDS:
        return cached[1]
    status = measure_replica()
    with _lock:
        _last = (time.monotonic(), status)
    return status


def _primary_position() -> str | None:
    """The primary's current WAL position, or None if it cannot say (then the replica's
    own received position is the target)."""
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN pg_is_in_recovery() THEN NULL "
                "ELSE pg_current_wal_flush_lsn()::text END"
            )
            return cursor.fetchone()[0]
    except Exception:
        logger.warning("replica check: the primary's WAL position could not be read")
        return None


# What the replica has yet to replay (bytes), whether that ends on a WAL page boundary,
# when its last replayed transaction committed, and its clock.
_REPLICA_SQL = """
WITH p AS (
  SELECT pg_is_in_recovery() AS in_recovery,
         GREATEST(pg_last_wal_receive_lsn(), %s::pg_lsn) AS target,
         pg_last_wal_replay_lsn() AS replayed,
         current_setting('wal_block_size')::numeric AS page
)
SELECT in_recovery,
       GREATEST(pg_wal_lsn_diff(target, replayed), 0),
       pg_wal_lsn_diff(target, '0/0') %% page = 0 AND pg_wal_lsn_diff(target, replayed) < 2 * page,
       pg_last_xact_replay_timestamp(),
       now()
FROM p
"""
# A replica that catches up within this is not behind: it was replaying the last records.
_GRACE_SECONDS = 0.25


def _position(cursor: Any, primary: str | None) -> tuple[Any, ...]:
    cursor.execute(_REPLICA_SQL, [primary])
    return tuple(cursor.fetchone())


def _caught_up(pending: Any, one_record_in_progress: Any) -> bool:
    """Nothing left to replay, or only the start of one record the primary is still
    writing: WAL is flushed mid-record only up to a page boundary (the WAL writer writes
    whole pages of records that no commit has flushed yet), and the replica can replay a
    record only once it has all of it. That can last as long as the primary is idle."""
    return pending is None or pending == 0 or bool(one_record_in_progress)


def measure_replica() -> ReplicaStatus:
    """Read the replica's position now (uncached). Never raises."""
    primary = _primary_position()
    replica = connections[REPLICA]
    try:
        with replica.cursor() as cursor:
            in_recovery, pending, in_progress, replayed_at, now = _position(cursor, primary)
            deadline = time.monotonic() + _GRACE_SECONDS
            while in_recovery and not _caught_up(pending, in_progress):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
                _, pending, in_progress, *_ = _position(cursor, primary)
    except Exception as error:
        # A connection that failed is not kept for the next request.
        with suppress(Exception):
            replica.close()
        logger.warning("replica check: unreachable (%s)", type(error).__name__)
        return ReplicaStatus(reachable=False, fault=type(error).__name__)
    if not in_recovery or _caught_up(pending, in_progress):
        # Caught up (or promoted, no longer a standby): its figures are as of now.
        return ReplicaStatus(reachable=True, lag_seconds=0.0, as_of=now)
    if replayed_at is None:
        # Behind, and no transaction replayed since it started: how far is unknown.
        return ReplicaStatus(reachable=True)
    lag = max(0.0, (now - replayed_at).total_seconds())
    return ReplicaStatus(reachable=True, lag_seconds=lag, as_of=min(replayed_at, now))
