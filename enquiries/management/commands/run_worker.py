from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from enquiries.task_policy import reap_stale_tasks


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background worker: first hand back tasks that a dead worker left "
        "'running', then process tasks like django-tasks-db's db_worker (same options). "
        "With several long-running workers, also run `manage.py reap_tasks` from cron."
    )

    def handle(self, *args, **options) -> None:
        result = reap_stale_tasks()
        if result.requeued or result.failed:
            self.stdout.write(f"Requeued {result.requeued}, failed {result.failed} stale task(s).")
        super().handle(*args, **options)
