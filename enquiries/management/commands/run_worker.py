"""The desk's background worker: django-tasks-db's ``db_worker`` plus the reaper."""

import logging
import os
import sys
import threading
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.management.commands.db_worker import valid_interval

from config.tasks import default_backend, reap_stale_tasks
from enquiries.mail.imap import mail_fetch_all

logger = logging.getLogger(__name__)


def _periodically(
    work: Callable[[], object], every: float, stop: threading.Event, *, what: str, now: bool
) -> None:
    """Run ``work`` every ``every`` seconds (first at once if ``now``) until ``stop`` is
    set: the body of a background thread. A fault (a database hiccup, a mailbox down) is
    logged and the next round tries again; the thread's own connections are closed."""
    if not now and stop.wait(every):
        return
    while True:
        try:
            work()
        except Exception:
            logger.exception("%s failed", what)
        finally:
            connections.close_all()  # this thread's connections only
        if stop.wait(every):
            return


def reap_periodically(every: float, stop: threading.Event) -> None:
    """Reap every ``every`` seconds until ``stop`` is set (the reaper thread; the worker
    reaps once itself at start)."""
    _periodically(reap_stale_tasks, every, stop, what="reaping stale tasks", now=False)


def fetch_mail_periodically(every: float, stop: threading.Event) -> None:
    """Read the IMAP mailboxes now and every ``every`` seconds until ``stop`` is set (the
    mail poller thread)."""
    _periodically(mail_fetch_all, every, stop, what="fetching mail", now=True)


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
        "reap_tasks` from cron). Reaping is idempotent and safe from many workers at once. "
        "When IMAP mailboxes are configured (MAIL_IMAP_HOST), a second thread reads them "
        "every --fetch-mail-every seconds (MAIL_POLL_SECONDS; 0 turns it off)."
    )

    def run_from_argv(self, argv: list[str]) -> None:
        if not isinstance(default_backend(), DatabaseBackend):
            self.stderr.write(
                "run_worker works the database queue (TASK_BACKEND=database). With "
                "TASK_BACKEND=redis run `manage.py run_redis_tasks --continuous` (make worker "
                "does); docs/operations.md, 'Workers'."
            )
            sys.exit(2)
        super().run_from_argv(argv)

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
        parser.add_argument(
            "--fetch-mail-every",
            type=valid_interval,
            default=None,
            metavar="SECONDS",
            help="How often to read the IMAP mailboxes, if any are configured; 0 turns it "
            "off (default: MAIL_POLL_SECONDS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reap_every: float = options.pop("reap_every")
        fetch_every = options.pop("fetch_mail_every")
        if fetch_every is None:
            fetch_every = float(settings.MAIL_POLL_SECONDS)
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
        if (
            fetch_every
            and settings.MAIL_IMAP_MAILBOXES
            and not options.get("batch")
            and in_worker_process
        ):
            threading.Thread(
                target=fetch_mail_periodically,
                args=(fetch_every, stop),
                name="mail poller",
                daemon=True,
            ).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
