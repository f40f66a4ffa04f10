"""Checking and importing a file in a worker (``manage.py run_worker``): both resume where
they stopped, so a worker that dies half-way loses nothing (``config.tasks`` hands the
task back)."""

from django.tasks import task

from casework.imports import services
from casework.models import ImportRun
from config.tasks import is_transient, retry_later


@task()
def check_import(run_id: int, attempt: int = 1) -> str:
    try:
        return services.run_check(run_id=run_id).state
    except Exception as error:
        if is_transient(error):
            retry_later(check_import, attempt=attempt, kwargs={"run_id": run_id}, error=error)
        raise


@task()
def import_rows(run_id: int, attempt: int = 1) -> str:
    try:
        return services.run_import(run_id=run_id).state
    except Exception as error:
        if is_transient(error):
            # Carry on from the last batch written once the fault has passed.
            ImportRun.objects.filter(pk=run_id, state=ImportRun.State.FAILED).update(
                state=ImportRun.State.IMPORTING
            )
            retry_later(import_rows, attempt=attempt, kwargs={"run_id": run_id}, error=error)
        raise
