"""What ``/readyz`` and ``/metrics`` read: the database, the cache, the task queue (the
django-tasks-db table, which every worker and node shares), the mail poller's record and
the read replica's lag.

Every check answers ``{"ok": bool, "detail": str, ...numbers}`` and never raises: a fault
is reported by its class name only (an error's text can hold a host, a user name or a
row's content). Nothing here reads or returns personal data.
"""

import time
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, F, Min, Q, When
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_redis import RedisTaskBackend

from config.replica import replica_status
from config.tasks import default_backend
from enquiries.mail.selectors import mail_last_polled
from enquiries.models import Notification

Check = dict[str, Any]


def _fault(error: Exception) -> Check:
    return {"ok": False, "detail": f"failed: {type(error).__name__}"}


def database_check() -> Check:
    """A trivial query, and how long it took."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return _fault(error)
    return {"ok": True, "detail": "ok", "ms": round((time.perf_counter() - started) * 1000, 2)}


def cache_check() -> Check:
    """Set a key, read it back, delete it: the cache that rate limits and the mail
    poller's record rely on."""
    key, value = f"health:readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    try:
        cache.set(key, value, timeout=30)
        found = cache.get(key)
        cache.delete(key)
    except Exception as error:
        return _fault(error)
    if found != value:
        return {"ok": False, "detail": "a value set was not read back"}
    return {"ok": True, "detail": "ok"}


def task_queue_stats(*, now: datetime | None = None) -> dict[str, Any]:
    """Tasks by state, and the age in seconds of the oldest task ready to run now (0 when
    none is), from the queue in use: the task table, or Redis (``TASK_BACKEND=redis``). A
    task waits from when it could first run: its ``run_after`` when it was deferred (a
    retry), otherwise when it was enqueued."""
    now = now or timezone.now()
    backend = default_backend()
    if isinstance(backend, RedisTaskBackend):
        return _redis_task_queue_stats(backend, now=now)
    by_state = dict(
        DBTaskResult.objects.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    waiting_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after")
    )
    oldest = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .filter(Q(run_after=get_date_max()) | Q(run_after__lte=now))
        .order_by()
        .aggregate(oldest=Min(waiting_since))["oldest"]
    )
    return {
        "by_state": {state: by_state.get(state, 0) for state in TaskResultStatus.values},
        "oldest_ready_age": max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    }


def _redis_task_queue_stats(backend: RedisTaskBackend, *, now: datetime) -> dict[str, Any]:
    """django-tasks-redis keeps a status index beside its streams: counts by state, and
    when the oldest ready task started waiting (a deferred one from its ``run_after``,
    which may lie ahead)."""
    stats = backend.get_queue_stats()
    by_state: dict[str, int] = {
        TaskResultStatus.READY: stats["pending_count"],
        TaskResultStatus.RUNNING: stats["running_count"],
        TaskResultStatus.FAILED: stats["failed_count"],
        TaskResultStatus.SUCCESSFUL: stats["successful_count"],
    }
    oldest = stats["oldest_pending_waiting_since"]
    return {
        "by_state": {state: by_state[state] for state in TaskResultStatus.values},
        "oldest_ready_age": max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    }


def task_queue_check(*, now: datetime | None = None) -> Check:
    """Not ready when the oldest ready task has waited more than
    ``READY_MAX_TASK_AGE_SECONDS``: no worker is taking tasks, or too few."""
    try:
        stats = task_queue_stats(now=now)
    except Exception as error:
        return _fault(error)
    age, limit = stats["oldest_ready_age"], settings.READY_MAX_TASK_AGE_SECONDS
    ok = age <= limit
    return {
        "ok": ok,
        "detail": "ok" if ok else f"the oldest ready task has waited more than {limit} s",
        "ready": stats["by_state"][TaskResultStatus.READY],
        "oldest_ready_age_seconds": round(age, 1),
    }


def mail_poll_check(*, now: datetime | None = None) -> Check:
    """Not ready when a configured IMAP mailbox was last read without a fault more than
    ``READY_MAX_MAIL_POLL_AGE_SECONDS`` ago, or never; fine when none is configured."""
    try:
        polled = mail_last_polled()
    except Exception as error:
        return _fault(error)
    if not polled:
        return {"ok": True, "detail": "not configured"}
    now = now or timezone.now()
    limit = settings.READY_MAX_MAIL_POLL_AGE_SECONDS
    if any(when is None for when in polled.values()):
        return {"ok": False, "detail": "a mailbox has no poll recorded", "mailboxes": len(polled)}
    age = max((now - when).total_seconds() for when in polled.values() if when is not None)
    ok = age <= limit
    return {
        "ok": ok,
        "detail": "ok" if ok else f"a mailbox was last read more than {limit} s ago",
        "mailboxes": len(polled),
        "oldest_poll_age_seconds": round(max(age, 0.0), 1),
    }


def replica_check() -> Check | None:
    """The read replica (None when there is none): how far behind it is, ok while within
    ``REPLICA_MAX_LAG_SECONDS``. Not ok does not make the desk unready (``OPTIONAL``):
    reports then read from the primary, so every page still works."""
    status = replica_status()
    if status is None:
        return None
    problem = status.problem(settings.REPLICA_MAX_LAG_SECONDS)
    if status.fault:  # by its class name only, like every other check's fault
        problem = f"{problem} ({status.fault})"
    return {
        "ok": not problem,
        "detail": f"{problem}: reports read from the main database" if problem else "ok",
        "lag_seconds": None if status.lag_seconds is None else round(status.lag_seconds, 1),
        "max_lag_seconds": settings.REPLICA_MAX_LAG_SECONDS,
    }


# Checks whose fault degrades the desk but leaves it ready: /readyz answers 200,
# "degraded", so that a lagging replica does not take every node out of the load balancer.
OPTIONAL = {"replica"}


def readiness() -> dict[str, Check]:
    """Every check, by name (the replica's only when one is configured)."""
    checks = {
        "database": database_check(),
        "cache": cache_check(),
        "task_queue": task_queue_check(),
        "mail_polling": mail_poll_check(),
    }
    if (replica := replica_check()) is not None:
        checks["replica"] = replica
    return checks


def readiness_status(checks: dict[str, Check]) -> str:
    """The answer's status: ok (all well), degraded (only optional checks failed: still
    ready) or unavailable (not ready)."""
    failed = {name for name, check in checks.items() if not check["ok"]}
    if not failed:
        return "ok"
    return "degraded" if failed <= OPTIONAL else "unavailable"


def email_counts() -> dict[str, int]:
    """Emails the desk owed: sent, and not sent with their last attempt failed."""
    return Notification.objects.aggregate(
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        failed=Count("pk", filter=Q(sent_at__isnull=True) & ~Q(last_error="")),
    )
