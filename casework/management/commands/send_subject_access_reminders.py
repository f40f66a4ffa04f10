from datetime import date

from casework.data_protection.services import sar_reminders_send
from config.commands import RemindersCommand


class Command(RemindersCommand):
    help = (
        "Email managers about subject access requests not yet released: once when one is "
        "due within 7 days, once when it is overdue; never the person's details (run daily, "
        "e.g. from cron: 20 7 * * * manage.py send_subject_access_reminders)."
    )
    reminders = "subject access reminder(s)"

    def send(self, *, today: date | None) -> int:
        return sar_reminders_send(today=today)
