"""The desk's background worker: django-tasks-db's ``db_worker`` plus the reaper."""

import logging
import os
import threading
from argparse import ArgumentParser
from typing import Any

from django.db import connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.management.commands.db_worker import valid_interval

from config.tasks import reap_stale_tasks

logger = logging.getLogger(__name__)


def reap_periodically(every: float, stop: threading.Event) -> None:
    """Reap every ``every`` seconds until ``stop`` is set (the body of the reaper thread)."""
    while not stop.wait(every):
        try:
            reap_stale_tasks()
        except Exception:
            # A database hiccup must not kill the reaper; the next round tries again.
            logger.exception("reaping stale tasks failed")
        finally:
            connections.close_all()  # this thread's connections only


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background worker. It takes the options of django-tasks-db's db_worker "
        "(--batch, --interval, --queue-name, --max-tasks, --worker-id, ...) and adds the "
        "reaper: at start, and then every --reap-every seconds while it runs, tasks left "
        "'running' for TASK_STALE_AFTER_SECONDS by a worker that died are handed back "
        "to the queue, or failed once claimed TASK_MAX_ATTEMPTS times. The periodic "
        "reaping runs in a background thread with its own database connection, so it "
        "goes on while a task runs or the queue is idle; it is off with --batch (a batch "
        "run reaps once, at start) and with --reap-every 0 (then run `manage.py "
        "reap_tasks` from cron). Reaping is idempotent and safe from many workers at once."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--reap-every",
            type=valid_interval,
            default=300.0,
            metavar="SECONDS",
            help="How often to hand back tasks abandoned by a dead worker while this one "
            "runs; 0 turns it off (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reap_every: float = options.pop("reap_every")
        result = reap_stale_tasks()
        if result.requeued or result.failed:
            self.stdout.write(f"Requeued {result.requeued}, failed {result.failed} stale task(s).")

        # Under --reload the parent process only restarts its child; the child reaps.
        in_worker_process = not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV)
        stop = threading.Event()
        if reap_every and not options.get("batch") and in_worker_process:
            threading.Thread(
                target=reap_periodically, args=(reap_every, stop), name="reaper", daemon=True
            ).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
