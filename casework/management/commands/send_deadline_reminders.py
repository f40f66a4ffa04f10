from datetime import date

from casework.clocks.services import deadline_reminders_send
from config.commands import RemindersCommand


class Command(RemindersCommand):
    help = (
        "Email the adviser holding each open enquiry about statutory deadlines ending in the "
        "next 7 days, and about those passed without an outcome: once each, however often "
        "it runs (run daily, e.g. from cron: 15 7 * * * manage.py send_deadline_reminders)."
    )
    reminders = "deadline reminder(s)"

    def send(self, *, today: date | None) -> int:
        return deadline_reminders_send(today=today)
