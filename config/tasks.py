"""Background tasks: how the desk defines, enqueues, retries and reaps them.

Every task is made with this module's ``task`` decorator (not ``django.tasks.task``), so
it carries the request id of the request that enqueued it: its log records in the
worker show the same ``request_id`` as the request's (``DeskTask``).

The queue is django-tasks-db (``TASK_BACKEND=database``) or django-tasks-redis
(``TASK_BACKEND=redis``); docs/operations.md, "Workers", says when to use which.
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

import functools
import json
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from inspect import iscoroutinefunction
from typing import Any

import redis
from django.conf import settings
from django.db import OperationalError, transaction
from django.tasks import Task, TaskResult, TaskResultStatus, task_backends
from django.tasks.backends.base import BaseTaskBackend
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction
from django_tasks_redis import RedisTaskBackend

from config.logs import request_id, sane_request_id

logger = logging.getLogger(__name__)

# The keyword a task's enqueued kwargs carry the request id under; the task's function
# never sees it (``_runs_with_request_id`` takes it off).
REQUEST_ID_KWARG = "_request_id"


class DeskTask(Task):  # generic in django-stubs only, so no parameters here
    """A task that takes the current request id (``config.logs.request_id``) along when it
    is enqueued, as the reserved keyword ``_request_id``, and sets it again while it runs,
    so the worker's log records for the task carry the request's id. Outside a request
    (a command, cron) nothing is added. A task enqueued by a running task (a retry, the
    next chunk of a batch) carries the id on."""

    __slots__ = ()

    def enqueue(self, *args: Any, **kwargs: Any) -> TaskResult[Any, Any]:
        return super().enqueue(*args, **_with_request_id(kwargs))

    async def aenqueue(self, *args: Any, **kwargs: Any) -> TaskResult[Any, Any]:
        return await super().aenqueue(*args, **_with_request_id(kwargs))


def _with_request_id(kwargs: dict[str, Any]) -> dict[str, Any]:
    current = request_id.get()
    if current == "-" or REQUEST_ID_KWARG in kwargs:
        return kwargs
    return {**kwargs, REQUEST_ID_KWARG: current}


def _runs_with_request_id[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """``func``, taking the reserved ``_request_id`` keyword off and logging under it.

    Wrapping the function (rather than ``Task.call``) is what every backend runs:
    django-tasks-db and the immediate backend call ``task.call``, django-tasks-redis
    calls ``task.func`` itself. ``functools.wraps`` keeps the function's module, name and
    signature, so the task's path and its checks are the function's own."""

    if iscoroutinefunction(func):
        raise TypeError(f"{func.__qualname__}: the desk's tasks are plain functions, not async")

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        given = sane_request_id(kwargs.pop(REQUEST_ID_KWARG, None))
        token = request_id.set(given) if given else None
        try:
            return func(*args, **kwargs)
        finally:
            if token is not None:
                request_id.reset(token)

    return run


def task[**P, R](
    *, priority: int = 0, queue_name: str = "default", backend: str = "default"
) -> Callable[[Callable[P, R]], Task[P, R]]:
    """The desk's ``@task()``: ``django.tasks.task`` with the request id carried along
    (``DeskTask``). tests/test_task_request_id.py checks no app uses Django's own."""

    def make(func: Callable[P, R]) -> Task[P, R]:
        return DeskTask(
            func=_runs_with_request_id(func),
            priority=priority,
            queue_name=queue_name,
            backend=backend,
        )

    return make


def default_backend() -> BaseTaskBackend:
    return task_backends["default"]


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
    process dying just after the commit would otherwise lose it). Any other
    backend waits for the commit, so nothing runs for a transaction that is
    rolled back: the immediate one would run the task at once, and Redis cannot
    share the database's transaction (a worker could take the task before the
    record is committed, or run it for a record rolled back). On Redis a process
    dying between the commit and the enqueue loses the task: the record stays as
    it was left (an email's ``Notification`` owed, not sent), and nothing queues
    it again by itself (docs/operations.md, "Workers").
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

    On a backend that can defer (the database one; Redis, whose workers move a
    deferred task to its stream when it is due) the new task waits for
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

    The same rule on either queue: the database table, or the Redis streams
    (``_reap_redis``); the immediate backend has nothing to reap. Safe to run at
    any time, from any process (a worker, ``manage.py reap_tasks``, the
    scheduler), and from several at once.
    """
    backend = default_backend()
    if isinstance(backend, RedisTaskBackend):
        result = _reap_redis(backend)
    elif isinstance(backend, DatabaseBackend):
        result = _reap_database(now=now or timezone.now())
    else:
        return ReapResult(requeued=0, failed=0)
    if result.failed:
        logger.error("reaped stale tasks: %d requeued, %d failed", result.requeued, result.failed)
    elif result.requeued:
        logger.warning("reaped stale tasks: %d requeued", result.requeued)
    return result


def _reap_database(*, now: datetime) -> ReapResult:
    """Rows are taken in the worker's own way (``SELECT ... FOR UPDATE SKIP LOCKED`` on
    PostgreSQL, an exclusive transaction on SQLite, which has no row locks), and each
    row is changed only if it is still the same running claim that was seen."""
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
    return ReapResult(requeued=requeued, failed=failed)


# The consumer the reaper takes abandoned messages over as, for the moment it takes to
# put them back on their stream for any worker.
REDIS_REAPER_CONSUMER = "desk-reaper"
_REDIS_PENDING_PAGE = 500


def _reap_redis(backend: RedisTaskBackend) -> ReapResult:
    """On Redis a worker takes a task's message from a stream and acknowledges it once the
    task has finished; a worker that dies leaves it pending. A message pending for
    ``TASK_STALE_AFTER_SECONDS`` is taken over (``XCLAIM`` with that minimum idle time,
    so of several reapers and workers' own sweeps exactly one gets it), its task is put
    back on its stream as ready (or failed once started ``TASK_MAX_ATTEMPTS`` times),
    and the old message is acknowledged. The workers' own sweep (django-tasks-redis,
    every ``--claim-interval``) applies the same two settings (``REDIS_CLAIM_TIMEOUT``,
    ``REDIS_MAX_DELIVERIES``, set from these in settings) to the messages it takes."""
    broker, client, group = backend.broker, backend.get_client(), backend.consumer_group
    idle_ms = settings.TASK_STALE_AFTER_SECONDS * 1000
    requeued = failed = 0
    for stream in broker.stream_keys():
        try:
            pending = client.xpending_range(
                stream, group, "-", "+", count=_REDIS_PENDING_PAGE, idle=idle_ms
            )
        except redis.ResponseError:  # the stream or its group does not exist yet
            continue
        for entry in pending:
            claimed = client.xclaim(
                stream, group, REDIS_REAPER_CONSUMER, idle_ms, [entry["message_id"]]
            )
            if not claimed:  # another reaper, or a worker's sweep, took it first
                continue
            message_id, fields = claimed[0]
            task_id = (fields or {}).get("task_id")
            outcome = _redis_hand_back(backend, task_id) if task_id else None
            requeued += outcome == "requeued"
            failed += outcome == "failed"
            # Put back (or failed) first, acknowledged after: a reaper dying in between
            # leaves a second message, which finds its task claimed and is dropped.
            client.xack(stream, group, message_id)
            client.xdel(stream, message_id)
    return ReapResult(requeued=requeued, failed=failed)


def _redis_hand_back(backend: RedisTaskBackend, task_id: str) -> str | None:
    """Requeue or fail one abandoned task; None if it finished or is gone (a worker that
    recorded its result and died before acknowledging)."""
    data = backend.get_task_data(task_id)
    if not data or data.get("status") not in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
        return None
    starts = len(json.loads(data.get("worker_ids_json") or "[]"))
    if starts >= settings.TASK_MAX_ATTEMPTS:
        reason = f"{data.get('task_path')}: a worker stopped while running it, {starts} time(s)"
        return "failed" if backend.mark_task_failed(task_id, reason) else None
    ready, running = TaskResultStatus.READY, TaskResultStatus.RUNNING
    if not backend.transition_task_status(task_id, ready, [running, ready]):
        return None
    backend.broker.requeue(data)
    return "requeued"
