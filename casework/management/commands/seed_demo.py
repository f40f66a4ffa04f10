"""Seed a realistic demo desk: staff and teams, organisations and contacts, N enquiries.

The default N (16,500) is three years of a national helpdesk (DESIGN.md).
Enquiries are assigned by the real routing rules (``casework.queue.routing``) run
over a simulated caseload, so each reason reads exactly like a live one.
Everything is written with ``bulk_create`` inside one transaction, and
references are numbered per year of receipt after the last number that year has
issued (its ``ReferenceCounter`` and, on PostgreSQL, its sequence), which are left at
the last number used (``reference_numbers_used``): the next live submission carries on.
"""

import random
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from casework.demo.data import DEFAULT_ENQUIRIES
from casework.demo.seeder import Seeder, explicit_timestamps
from enquiries.models import (
    Enquiry,
)

# --- the command --------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Fill the desk with realistic demo staff, groups and enquiries (three years' worth)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enquiries", type=int, default=DEFAULT_ENQUIRIES, metavar="N")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any enquiry exists already."
        )
        parser.add_argument("--seed", type=int, default=2011, help="Random seed (deterministic).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Rows per bulk insert; larger is faster on PostgreSQL.",
        )

    def handle(
        self, *args, enquiries: int, if_empty: bool, seed: int, batch_size: int, **options
    ) -> None:
        if enquiries < 0 or batch_size < 1:
            raise CommandError("--enquiries must be 0 or more and --batch-size at least 1.")
        if if_empty and Enquiry.objects.exists():
            self.stdout.write("Enquiries exist already: demo data not loaded (--if-empty).")
            return
        self.verbosity = options.get("verbosity", 1)
        started = time.perf_counter()
        seeder = Seeder(rng=random.Random(seed), batch_size=batch_size, progress=self._progress)
        with transaction.atomic(), explicit_timestamps():
            summary = seeder.run(enquiries)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"{summary} Took {elapsed:.1f} s."))

    def _progress(self, done: int, before: int, total: int) -> None:
        """Report big seeds every tenth of the way (every batch with -v 2)."""
        step = max(total // 10, 1)
        crossed = done // step > before // step or done == total
        if self.verbosity >= 2 or (self.verbosity >= 1 and total >= 100_000 and crossed):
            self.stdout.write(f"  {done:,} of {total:,} enquiries written")
