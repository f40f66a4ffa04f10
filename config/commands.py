"""What the desk's daily reminder commands share: run from cron, or for another day."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError


class RemindersCommand(BaseCommand):
    """Queue the reminders owed today (or on ``--today``, to catch up) and say how many.

    A subclass names what it queues (``reminders``, for the report) and queues them in
    ``send``; sending each one once, however often it runs, is the service's rule.
    """

    reminders = "reminder(s)"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--today", help="Count from this date (YYYY-MM-DD) instead of today; for catching up."
        )

    def handle(self, *args, **options) -> None:
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today must be a date as YYYY-MM-DD.") from None
        owed = self.send(today=today)
        self.stdout.write(f"{owed} {self.reminders} queued.")

    def send(self, *, today: date | None) -> int:
        """Queue the reminders owed on ``today`` (None: today); how many were queued."""
        raise NotImplementedError
