"""How a report uses PostgreSQL, so that reports are fast and cannot take the desk down.

Every report runs in one read-only, repeatable-read transaction (one snapshot: its figures
agree with each other) whose settings last only as long as it does (``set_config(...,
true)``, like ``SET LOCAL``):

* ``work_mem`` (``REPORT_WORK_MEM``): a year's aggregates sort and hash a few hundred
  thousand rows; at PostgreSQL's default 4 MB they spill to disk and ``GROUPING SETS``
  cannot hash. Raised for reports only, so the desk's many small queries keep the default.
* ``jit`` off: compiling these aggregates cost more than it saved (docs/performance.md).
* Cheaper parallel plans (``parallel_setup_cost`` 100, ``parallel_tuple_cost`` 0.01, from
  1000 and 0.1): at the defaults PostgreSQL joins a year's outcomes to their enquiries on
  one core; in parallel the join takes about a third less. Reports take turns (below),
  so one report's parallel workers are all the cores reports can have.
* ``statement_timeout`` (``REPORT_TIMEOUT_SECONDS``): a report statement that takes
  longer is stopped and the manager told to narrow the report, rather than holding a
  worker and a core.
* Reports take turns: at most ``REPORT_CONCURRENCY`` compute at once, across every server
  process (transaction-level advisory locks, released when the report's transaction
  ends, even if the process dies). The others wait up to ``REPORT_QUEUE_SECONDS``, then
  get a "busy, try again" answer. With the desk's web workers running threads
  (``config/gunicorn.py``), a waiting report holds a thread, not a CPU.

The session is on the database the report reads (``using``: the primary, or the read
replica chosen by ``casework.reports.source``), and every read inside it goes there
(``config.replica.reading_from``). On a replica the turns are that server's: advisory
locks are not replicated, and its cores are its own.

Elsewhere (SQLite) this does nothing: a local desk has one user and no such load.
Either way each report run or refused is counted (``desk_reports_total``, /metrics).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

from config.errors import DomainError
from config.metrics import REPORTS
from config.replica import reading_from

# pg_advisory_xact_lock(key1, key2): key1 names "reports" ('RPRT'), key2 is the slot.
LOCK_CLASS = 0x52505254


class ReportUnavailable(DomainError):
    """The report could not be made now; ``message`` says what to do, for a 503 (with
    ``Retry-After`` when it is worth trying again soon)."""

    status_code = 503

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after

    def api_body(self) -> dict[str, str]:
        return {"detail": self.message}

    def api_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


def _milliseconds(seconds: float) -> str:
    return str(max(1, round(seconds * 1000)))


def _take_a_turn(connection: BaseDatabaseWrapper, cursor: CursorWrapper) -> None:
    slots = settings.REPORT_CONCURRENCY
    if slots <= 0:
        return
    if slots > 1:
        for slot in range(slots):
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s), set_config('lock_timeout', '0', true)",
                [LOCK_CLASS, slot],
            )
            if cursor.fetchone()[0]:
                return
    # Every slot is busy (or there is one): wait for one, for up to REPORT_QUEUE_SECONDS
    # (the lock_timeout set with the other settings); then no lock_timeout, so what the
    # report itself waits for counts against its statement_timeout. Left to right.
    slot = connection.connection.info.backend_pid % slots
    cursor.execute(
        "SELECT pg_advisory_xact_lock(%s, %s), set_config('lock_timeout', '0', true)",
        [LOCK_CLASS, slot],
    )


def _sqlstate(error: OperationalError) -> str | None:
    return getattr(error.__cause__, "sqlstate", None)


@contextmanager
def report_session(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    connection = connections[using]
    if connection.vendor != "postgresql":
        with reading_from(using):
            yield
        REPORTS.labels(outcome="run").inc()
        return
    outermost = not connection.in_atomic_block
    try:
        with reading_from(using), transaction.atomic(using=using):
            with connection.cursor() as cursor:
                if outermost:
                    # One snapshot for every query of the report, so its totals and its
                    # breakdowns agree while the desk works. (Inside a caller's
                    # transaction, as in tests, that transaction decides.)
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute(
                    "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true), "
                    "set_config('statement_timeout', %s, true), "
                    "set_config('lock_timeout', %s, true), "
                    "set_config('parallel_setup_cost', '100', true), "
                    "set_config('parallel_tuple_cost', '0.01', true)",
                    [
                        settings.REPORT_WORK_MEM,
                        _milliseconds(settings.REPORT_TIMEOUT_SECONDS),
                        _milliseconds(settings.REPORT_QUEUE_SECONDS),
                    ],
                )
                _take_a_turn(connection, cursor)
            yield
        REPORTS.labels(outcome="run").inc()
    except OperationalError as error:
        state = _sqlstate(error)
        if state == "55P03":  # lock_not_available: no free turn in time
            REPORTS.labels(outcome="busy").inc()
            raise ReportUnavailable(
                "Other reports are being prepared just now, so this one has to wait its "
                "turn. Please try again in a minute.",
                retry_after=60,
            ) from error
        if state == "57014":  # query_canceled: the statement timeout
            REPORTS.labels(outcome="timeout").inc()
            raise ReportUnavailable(
                f"This report took longer than {settings.REPORT_TIMEOUT_SECONDS:g} seconds "
                "on one of its figures and was stopped. Choose a shorter period or add a "
                "filter (team, topic, area), then try again.",
            ) from error
        raise
