"""Email the feedback surveys that are due (daily, from cron or a timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from enquiries.feedback.services import feedback_requests_send


class Command(BaseCommand):
    help = (
        "Email each group whose enquiry closed FEEDBACK_DELAY_DAYS ago (with an outcome "
        "the desk helped towards) a link to a one-page survey: once per enquiry, never to "
        "an anonymised or erased contact or one who asked not to be surveyed. Safe to run "
        "at any time and twice at once. Prints counts, never personal data."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = feedback_requests_send()
        self.stdout.write(
            f"Feedback surveys: {counts['sent']} sent, {counts['skipped']} skipped "
            "(anonymised, opted out, no email address or reopened)."
        )
