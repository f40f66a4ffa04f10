"""Read the configured IMAP mailboxes once (the worker also does it every MAIL_POLL_SECONDS)."""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from enquiries.mail.imap import mail_fetch_all


class Command(BaseCommand):
    help = (
        "Fetch mail from every IMAP mailbox in MAIL_IMAP_MAILBOXES (or --mailbox NAME): "
        "each message becomes an enquiry, a reply, a bounce or a record, then is moved to "
        "the mailbox's done folder. Safe to run at any time and from several places."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--mailbox", help="Only this mailbox (its name).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.MAIL_IMAP_MAILBOXES:
            self.stdout.write("No mailbox is configured (MAIL_IMAP_HOST): nothing to fetch.")
            return
        results = mail_fetch_all(only=options["mailbox"])
        if options["mailbox"] and not results:
            raise CommandError(f"No mailbox is called {options['mailbox']!r}.")
        failed = False
        for result in results:
            if result.error:
                failed = True
                self.stderr.write(f"{result.mailbox}: could not be read ({result.error}).")
                continue
            counts = ", ".join(f"{n} {k}" for k, n in sorted(result.outcomes.items()))
            self.stdout.write(f"{result.mailbox}: {result.read} message(s). {counts}".strip())
        if failed:
            raise CommandError("Some mailboxes could not be read; see the log.")
