"""Retries and reaping for background tasks.

django-tasks-db runs each task once: a failure stays failed, and a task left
"running" by a killed worker stays so for ever. The desk adds two things:

* ``retry_later``: a task that hit a passing fault (SMTP down, a 4xx reply, the
  database busy) enqueues itself again with its attempt number, after an
  exponential back-off, up to ``TASK_MAX_ATTEMPTS``; ``is_transient`` says which
  faults pass;
* ``reap_stale_tasks``: a task "running" for longer than
  ``TASK_STALE_AFTER_SECONDS`` is handed back to the queue (or failed, once it
  has been claimed ``TASK_MAX_ATTEMPTS`` times).

Both rely on every task being safe to run twice (each checks what it already
did), because neither can know whether a dead worker got half-way. A task for
a record saved in a transaction is queued with ``enqueue_on_commit``.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.tasks import Task, TaskResultStatus
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

logger = logging.getLogger(__name__)


# The longest wait between two tries, however many there have been.
MAX_RETRY_DELAY = timedelta(hours=6)


class RetriesExhausted(Exception):
    """The task failed on every attempt it was allowed."""


def is_transient(error: BaseException) -> bool:
    """Whether trying the same thing later may work.

    Network, file-system and SMTP faults pass (server down, timeout, a 4xx reply,
    a 5xx about the server or our account, which an operator can fix), and so
    does the database being unavailable or locked for a moment
    (``OperationalError``); a 5xx reply about this message or its recipient is
    final (RFC 5321 section 4.2.1: do not repeat the same request), and so is
    anything else (a bug, a bad address), which would fail the same way every time.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _reply in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code < 500
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return False
    # OSError: smtplib.SMTPException, refused, reset, TimeoutError, a file system fault
    return isinstance(error, OSError | OperationalError)


def enqueue_on_commit(task: Task, **kwargs: Any) -> None:
    """Queue ``task`` for a record saved in the current transaction.

    With a stored queue (the database backend) the task row is written in the
    same transaction, so the record can never be committed without its task (a
    process dying just after the commit would otherwise lose it). A backend that
    runs tasks at once waits for the commit, so nothing runs for a transaction
    that is rolled back.
    """
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(**kwargs))


def retry_delay(attempt: int) -> timedelta:
    """Back-off after attempt ``attempt`` failed: base, 2x base, 4x base... capped."""
    exponent = min(max(attempt, 1) - 1, 32)
    seconds = settings.TASK_RETRY_DELAY_SECONDS * 2**exponent
    return min(timedelta(seconds=seconds), MAX_RETRY_DELAY)


def retry_later(task: Task, *, attempt: int, kwargs: dict[str, Any], error: BaseException) -> None:
    """Enqueue ``task`` again as attempt ``attempt + 1``, or raise once attempts run out.

    On a backend that can defer (the database one) the new task waits for
    ``retry_delay``; on one that cannot (the immediate one, in tests and small
    installs) it runs again at once. The caller re-raises its error afterwards
    so the failed attempt is recorded as failed.
    """
    if attempt >= settings.TASK_MAX_ATTEMPTS:
        logger.error(
            "task %s gave up after %d attempts; last error: %s",
            task.name,
            attempt,
            type(error).__name__,
        )
        raise RetriesExhausted(
            f"{task.name} failed {attempt} times; last error: {type(error).__name__}"
        ) from error
    delay = retry_delay(attempt)
    logger.warning(
        "task %s attempt %d failed (%s); retrying in %ss",
        task.name,
        attempt,
        type(error).__name__,
        int(delay.total_seconds()),
    )
    again = task
    if delay and task.get_backend().supports_defer:
        again = task.using(run_after=timezone.now() + delay)
    again.enqueue(**kwargs, attempt=attempt + 1)


@dataclass(frozen=True)
class ReapResult:
    requeued: int
    failed: int


def reap_stale_tasks(*, now: datetime | None = None) -> ReapResult:
    """Give back tasks whose worker died mid-run; fail those claimed too often.

    A task counts as abandoned once it has been "running" for
    ``TASK_STALE_AFTER_SECONDS``, which must exceed the longest a task can take.
    Each claim by a worker adds to ``worker_ids``, so a task that keeps killing
    its worker (or keeps being abandoned) is failed after ``TASK_MAX_ATTEMPTS``
    claims instead of looping for ever.

    Safe to run at any time and from several processes at once: rows are taken
    in the worker's own way (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL,
    an exclusive transaction on SQLite, which has no row locks), and each row is
    changed only if it is still the same running claim that was seen.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TASK_STALE_AFTER_SECONDS)
    requeued = failed = 0
    with exclusive_transaction(DBTaskResult.objects.db):
        stale = list(
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
            .only("id", "task_path", "started_at", "worker_ids")
        )
        for result in stale:
            same_claim = DBTaskResult.objects.filter(
                pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
            )
            claims = len(result.worker_ids)
            if claims >= settings.TASK_MAX_ATTEMPTS:
                error = RetriesExhausted(
                    f"{result.task_path}: a worker stopped while running it, {claims} time(s)"
                )
                failed += same_claim.update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    exception_class_path=f"{RetriesExhausted.__module__}.RetriesExhausted",
                    traceback=f"{type(error).__name__}: {error}\n",
                )
            else:
                requeued += same_claim.update(status=TaskResultStatus.READY, started_at=None)
    if failed:
        logger.error("reaped stale tasks: %d requeued, %d failed", requeued, failed)
    elif requeued:
        logger.warning("reaped stale tasks: %d requeued", requeued)
    return ReapResult(requeued=requeued, failed=failed)
