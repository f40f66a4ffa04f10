from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser

from enquiries.intake.services import idempotency_keys_prune
from enquiries.ratelimit import rate_limit_counters_prune


class Command(BaseCommand):
    help = (
        "Delete intake API idempotency keys older than --days (default 7), and the "
        "rate-limit counts of windows that have ended. Run daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days: int, **options) -> None:
        removed = idempotency_keys_prune(older_than=timedelta(days=max(days, 1)))
        self.stdout.write(f"Removed {removed} idempotency key(s) older than {days} day(s).")
        counters = rate_limit_counters_prune()
        self.stdout.write(f"Removed {counters} rate-limit count(s) of ended windows.")
