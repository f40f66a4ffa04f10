"""Background jobs of the enquiries app. Each loads by id and is safe to run twice."""

from django.tasks import task

from enquiries import notifications
from enquiries.task_policy import TRANSIENT_ERRORS, retry_later


@task()
def send_notification(notification_id: int, attempt: int = 1) -> str:
    """Send one owed email; a passing SMTP failure is retried with back-off, never lost."""
    try:
        return notifications.notification_send(notification_id=notification_id)
    except TRANSIENT_ERRORS as error:
        notifications.notification_record_failure(notification_id=notification_id, error=error)
        retry_later(
            send_notification,
            attempt=attempt,
            kwargs={"notification_id": notification_id},
            error=error,
        )
        raise
