"""Background jobs of the enquiries app. Each loads by id and is safe to run twice.

Run them with ``manage.py run_worker`` (see ``config/tasks.py`` for the
retries and the reaper the desk adds to django-tasks-db).
"""

import logging

from config.tasks import enqueue_on_commit, is_transient, retry_later, task
from enquiries import notifications

logger = logging.getLogger(__name__)


@task()
def send_notification(notification_id: int, attempt: int = 1) -> str:
    """Send one owed email; a passing failure is retried with back-off, never lost.

    Every failure is counted on the ``Notification`` (``attempts``, ``last_error``)
    and re-raised, so the task result records it too. A passing one (server down,
    a 4xx reply) also enqueues attempt ``attempt + 1`` until ``TASK_MAX_ATTEMPTS``;
    a final one (a 5xx about the recipient, a bug) is not tried again. Either
    way the email stays owed (``sent_at`` empty) for an operator to see.
    """
    try:
        return notifications.notification_send(notification_id=notification_id)
    except Exception as error:
        notifications.notification_record_failure(notification_id=notification_id, error=error)
        if not is_transient(error):
            logger.error(
                "notification %s not sent, not retried: %s",
                notification_id,
                notifications.failure_label(error),
            )
            raise
        retry_later(
            send_notification,
            attempt=attempt,
            kwargs={"notification_id": notification_id},
            error=error,
        )
        raise


def queue_notification(notification_id: int) -> None:
    """Queue the email of a Notification saved in the current transaction: with a stored
    queue an owed email is never committed without its task (``enqueue_on_commit``)."""
    enqueue_on_commit(send_notification, notification_id=notification_id)


@task()
def send_new_link(email: str, key: str) -> str:
    """A fresh tracking link for whoever can read ``email`` (the "new link" page). In a
    task, so the page answers at once and the same whether or not the address is known."""
    from enquiries.portal.services import new_link_request  # services import this module

    return "owed" if new_link_request(email=email, key=key) else "nothing to send"
