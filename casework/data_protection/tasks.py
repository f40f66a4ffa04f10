"""Background jobs of data protection. Run them with ``manage.py run_worker``."""

from casework.data_protection.services import retention_run
from config.tasks import is_transient, retry_later, task


@task()
def apply_retention(attempt: int = 1) -> dict[str, int]:
    """The retention job in a worker (``manage.py apply_retention --in-worker`` queues it).
    Safe to run again after stopping half-way: anonymised enquiries are skipped. A fault
    that may pass (the database restarting) is retried with back-off. Returns the counts."""
    try:
        run = retention_run()
    except Exception as error:
        if is_transient(error):
            retry_later(apply_retention, attempt=attempt, kwargs={}, error=error)
        raise
    return {
        "run": run.pk,
        "enquiries_anonymised": run.enquiries_anonymised,
        "cases_anonymised": run.cases_anonymised,
        "contacts_erased": run.contacts_erased,
        "held_back": run.held_back,
    }


@task()
def build_subject_access_export(request_id: int, attempt: int = 1) -> str:
    """Prepare a subject access export (``services.sar_export_build``); a fault that may
    pass is retried with back-off."""
    from casework.data_protection.services import sar_export_build

    try:
        return sar_export_build(request_id=request_id).export_state
    except Exception as error:
        if is_transient(error):
            retry_later(
                build_subject_access_export,
                attempt=attempt,
                kwargs={"request_id": request_id},
                error=error,
            )
        raise
