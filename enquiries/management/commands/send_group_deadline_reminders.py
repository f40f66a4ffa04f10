from datetime import date

from django.core.management.base import BaseCommand, CommandError

from enquiries.portal.services import group_deadline_reminders_send


class Command(BaseCommand):
    help = (
        "Email groups about dates their adviser marked as theirs to act by, 14 and 3 days "
        "before (or at the next run, if a day was missed): once each, however often it runs "
        "(run daily, e.g. from cron: 30 7 * * * manage.py send_group_deadline_reminders)."
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
        owed = group_deadline_reminders_send(today=today)
        self.stdout.write(f"{owed} group deadline reminder(s) queued.")
