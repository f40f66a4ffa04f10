"""Look for likely duplicate contacts and organisations (daily, from cron or a timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from casework.duplicates import services


class Command(BaseCommand):
    help = (
        "Find contacts and organisations that look like another (same email address or "
        "phone number, similar name in the same group; same name, or similar name at the "
        "same postcode) and list the pairs on the managers' Duplicates page. By default "
        "only records made in the last --days (2); --all looks at every one. Pairs a "
        "manager marked as not duplicates are not listed again. Prints counts only."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=2)
        parser.add_argument("--all", action="store_true", help="Every record, not the newest.")

    def handle(self, *args: Any, **options: Any) -> None:
        since = None if options["all"] else services.since_days(options["days"])
        found = services.duplicates_find(since=since)
        self.stdout.write(
            f"New likely duplicates: {found['contacts']} pairs of contacts, "
            f"{found['organisations']} pairs of organisations."
        )
