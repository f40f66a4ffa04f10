from django.core.management.base import BaseCommand

from config.tasks import reap_stale_tasks


class Command(BaseCommand):
    help = (
        "Hand back background tasks left 'running' by a worker that died (older than "
        "TASK_STALE_AFTER_SECONDS); fail those that have used TASK_MAX_ATTEMPTS. "
        "Safe to run at any time, e.g. from cron every few minutes."
    )

    def handle(self, *args, **options) -> None:
        result = reap_stale_tasks()
        self.stdout.write(f"Requeued {result.requeued}, failed {result.failed} stale task(s).")
