"""Checking and importing a file in a worker (``manage.py run_worker``): both resume where
they stopped, so a worker that dies half-way loses nothing (``config.tasks`` hands the
task back)."""

from casework.imports import services
from casework.models import ImportRun
from config.tasks import is_transient, retry_later, task


@task()
def check_import(run_id: int, attempt: int = 1) -> str:
    try:
        return services.run_check(run_id=run_id).state
    except Exception as error:
        if is_transient(error):
            retry_later(check_import, attempt=attempt, kwargs={"run_id": run_id}, error=error)
        raise


# Each task writes for about this long, then queues the next: far shorter than
# ``TASK_STALE_AFTER_SECONDS``, so a long import is never taken for an abandoned task.
SECONDS_PER_TASK = 60


@task()
def import_rows(run_id: int, attempt: int = 1) -> str:
    try:
        run = services.run_import(run_id=run_id, seconds=SECONDS_PER_TASK)
        if run.state == ImportRun.State.IMPORTING:
            import_rows.enqueue(run_id=run_id)
        return run.state
    except Exception as error:
        if is_transient(error):
            # Carry on from the last batch written once the fault has passed.
            ImportRun.objects.filter(pk=run_id, state=ImportRun.State.FAILED).update(
                state=ImportRun.State.IMPORTING
            )
            retry_later(import_rows, attempt=attempt, kwargs={"run_id": run_id}, error=error)
        raise
