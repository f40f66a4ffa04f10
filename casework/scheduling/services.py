"""One scheduler for the periodic jobs, safe on several nodes at once: each job's run for a
slot (a daily time or an interval's start) is claimed by inserting its ``ScheduledRun``,
and the unique (job, slot) lets exactly one node claim it, on SQLite and PostgreSQL
alike, with no lock held while the job runs."""

import logging
import os
import socket
import time as clock
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.models import ScheduledRun
from casework.scheduling.jobs import Job, jobs

logger = logging.getLogger(__name__)


def node_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def slot_due(job: Job, now: datetime) -> datetime | None:
    """The slot of ``job`` to run at ``now``, if any: the latest daily time passed (local
    time, within ``SCHEDULER_GRACE_HOURS``: a node back after a longer outage does not run
    a stale slot, the next one comes), or the start of the current interval."""
    if job.at is None:
        every = job.every or 1
        start = int(now.timestamp()) // every * every
        return datetime.fromtimestamp(start, tz=now.tzinfo)
    local = timezone.localtime(now)
    slot = local.replace(hour=job.at.hour, minute=job.at.minute, second=0, microsecond=0)
    if slot > local:
        slot -= timedelta(days=1)  # wall-clock arithmetic: the same local time yesterday
    if local - slot > timedelta(hours=settings.SCHEDULER_GRACE_HOURS):
        return None
    return slot


def slot_claim(job: Job, slot: datetime, *, node: str) -> ScheduledRun | None:
    """The run of ``job`` for ``slot``, claimed for ``node``; None if another node (or an
    earlier tick) has it."""
    try:
        with transaction.atomic():
            return ScheduledRun.objects.create(
                job=job.name, slot=slot, node=node, started_at=timezone.now()
            )
    except IntegrityError:
        return None


def job_run(job: Job, run: ScheduledRun) -> ScheduledRun:
    """Run the claimed job and record how it ended. A failure is logged (its type only)
    and recorded; it never stops the scheduler or the other jobs."""
    began = clock.monotonic()
    try:
        job.run()
    except Exception as error:
        run.outcome, run.error = ScheduledRun.Outcome.FAILED, type(error).__name__[:200]
        logger.exception("scheduled job failed job=%s slot=%s", job.name, run.slot.isoformat())
    else:
        run.outcome = ScheduledRun.Outcome.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "error", "finished_at"])
    logger.info(
        "scheduled job job=%s slot=%s outcome=%s seconds=%.1f",
        job.name,
        run.slot.isoformat(),
        run.outcome,
        clock.monotonic() - began,
    )
    return run


def scheduler_tick(
    *, now: datetime | None = None, node: str | None = None, only: Iterable[Job] | None = None
) -> list[ScheduledRun]:
    """Run every enabled job whose slot is due and unclaimed; the runs this node made."""
    now = now or timezone.now()
    node = node or node_name()
    made = []
    for job in only if only is not None else jobs():
        if not job.enabled():
            continue
        slot = slot_due(job, now)
        if slot is None:
            continue
        run = slot_claim(job, slot, node=node)
        if run is not None:
            made.append(job_run(job, run))
    return made
