"""Run the periodic jobs from one process per node, never a job twice across nodes."""

import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connections

from casework.scheduling import services
from casework.scheduling.jobs import jobs


class Command(BaseCommand):
    help = (
        "Run the desk's periodic jobs (reminders, retention, pruning, reaping tasks, and "
        "mail polling when mailboxes are configured) at their times: every --tick seconds "
        "it runs each job whose time has come and that no node has run for that time yet. "
        "Run it on one node or on several: each job's run is claimed in the database, so "
        "it happens once. --once runs one round and stops (for cron, or to try it)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="One round, then stop.")
        parser.add_argument(
            "--tick", type=int, default=30, help="Seconds between rounds (default: 30)."
        )
        parser.add_argument("--list", action="store_true", help="List the jobs and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in jobs():
                state = "" if job.enabled() else " (off: not configured)"
                self.stdout.write(f"{job.name}: {job.describe()}{state}")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        while True:
            for run in services.scheduler_tick():
                self.stdout.write(f"{run.job} for {run.slot:%Y-%m-%d %H:%M}: {run.outcome}")
            if options["once"]:
                return
            connections.close_all()  # none held idle between rounds
            if stop.wait(max(options["tick"], 1)):
                return
