"""Retries and reaping for background tasks.

django-tasks-db runs each task once: a failure stays failed, and a task left
"running" by a killed worker stays so for ever. The desk adds two things:

* ``retry_later``: a task that hit a passing fault (SMTP down) enqueues itself
  again with its attempt number, after an exponential back-off, up to
  ``TASK_MAX_ATTEMPTS``;
* ``reap_stale_tasks``: a task "running" for longer than
  ``TASK_STALE_AFTER_SECONDS`` is handed back to the queue (or failed, once it
  has used its attempts).

Both rely on every task being safe to run twice (each checks what it already did).
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import Task, TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# Failures worth another try later; anything else is a bug and fails at once.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError, TimeoutError)


class RetriesExhausted(Exception):
    """The task failed on every attempt it was allowed."""


def retry_delay(attempt: int) -> timedelta:
    """Back-off before attempt ``attempt + 1``: base, 2x base, 4x base... capped at 6 hours."""
    seconds = settings.TASK_RETRY_DELAY_SECONDS * (2 ** (attempt - 1))
    return timedelta(seconds=min(seconds, 6 * 3600))


def retry_later(task: Task, *, attempt: int, kwargs: dict[str, Any], error: BaseException) -> None:
    """Enqueue ``task`` again as attempt ``attempt + 1``, or raise once attempts run out."""
    if attempt >= settings.TASK_MAX_ATTEMPTS:
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
    if task.get_backend().supports_defer and delay:
        again = task.using(run_after=timezone.now() + delay)
    again.enqueue(**kwargs, attempt=attempt + 1)


@dataclass(frozen=True)
class ReapResult:
    requeued: int
    failed: int


def reap_stale_tasks(*, now: datetime | None = None) -> ReapResult:
    """Give back tasks whose worker died mid-run; fail those that have had all their tries."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TASK_STALE_AFTER_SECONDS)
    requeued = failed = 0
    with transaction.atomic():
        stale = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING, started_at__lt=cutoff
        )
        for result in stale:
            if len(result.worker_ids) >= settings.TASK_MAX_ATTEMPTS:
                result.set_failed(RetriesExhausted("worker stopped while running this task"))
                failed += 1
            else:
                result.status = TaskResultStatus.READY
                result.started_at = None
                result.save(update_fields=["status", "started_at"])
                requeued += 1
    if requeued or failed:
        logger.warning("reaped stale tasks: %d requeued, %d failed", requeued, failed)
    return ReapResult(requeued=requeued, failed=failed)
