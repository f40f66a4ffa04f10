"""Bring the report rollups up to date: recompute the dirty days (every minute, from the
scheduler, or from cron)."""

from typing import Any

from django.core.management.base import BaseCommand

from casework.rollups import services


class Command(BaseCommand):
    help = (
        "Recompute the report rollups of the days marked dirty by changes since the last "
        "run (oldest first, at most --limit), each in its own short transaction. A day "
        "changed again while it was recomputed stays dirty for the next run. Then the "
        "month rows of the ended months whose days changed are summed again. Reports are "
        "exact whether or not this has run: they read dirty days from the enquiries "
        "themselves. Prints counts only."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=None, help="At most this many days.")

    def handle(self, *args: Any, **options: Any) -> None:
        refreshed, left = services.dirty_refresh(limit=options["limit"])
        self.stdout.write(f"Rollups: {refreshed} days refreshed, {left} changed meanwhile.")
