from datetime import date

from django.core.management.base import BaseCommand, CommandError

from casework.clocks.services import deadline_reminders_send


class Command(BaseCommand):
    help = (
        "Email the adviser holding each open enquiry about statutory deadlines ending in the "
        "next 7 days, and about those passed without an outcome: once each, however often "
        "it runs (run daily, e.g. from cron: 15 7 * * * manage.py send_deadline_reminders)."
    )

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
        owed = deadline_reminders_send(today=today)
        self.stdout.write(f"{owed} deadline reminder(s) queued.")
