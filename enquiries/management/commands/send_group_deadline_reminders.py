from datetime import date

from config.commands import RemindersCommand
from enquiries.portal.services import group_deadline_reminders_send


class Command(RemindersCommand):
    help = (
        "Email groups about dates their adviser marked as theirs to act by, 14 and 3 days "
        "before (or at the next run, if a day was missed): once each, however often it runs "
        "(run daily, e.g. from cron: 30 7 * * * manage.py send_group_deadline_reminders)."
    )
    reminders = "group deadline reminder(s)"

    def send(self, *, today: date | None) -> int:
        return group_deadline_reminders_send(today=today)
