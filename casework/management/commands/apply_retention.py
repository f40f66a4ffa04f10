"""Anonymise what is past the retention period (daily, from cron or a timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from casework.data_protection.services import retention_run
from casework.data_protection.tasks import apply_retention


class Command(BaseCommand):
    help = (
        "Anonymise closed enquiries and cases past the retention period (managers set it on "
        "the data-protection page; RETENTION_YEARS until then) and not under a legal hold, "
        "in batches of RETENTION_BATCH. Safe to run at any time; a run that stops is "
        "finished by the next. Prints counts, never personal data."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--in-worker",
            action="store_true",
            help="Queue the job for a task worker (manage.py run_worker) instead of running "
            "it here: cron then only starts it, and a worker retries it if the database "
            "blips.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["in_worker"]:
            queued = apply_retention.enqueue()
            self.stdout.write(f"Retention queued for a worker (task {queued.id}).")
            return
        run = retention_run()
        self.stdout.write(
            f"Closed before {run.cutoff:%Y-%m-%d} ({run.years} years): "
            f"{run.enquiries_anonymised} enquiries and {run.cases_anonymised} cases "
            f"anonymised, {run.contacts_erased} contacts erased, "
            f"{run.organisations_anonymised} organisations anonymised, "
            f"{run.held_back} held back by legal holds, "
            f"{run.access_addresses_removed} subject access addresses removed."
        )
