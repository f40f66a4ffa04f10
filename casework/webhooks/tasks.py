"""Sending webhook deliveries, in a worker (``manage.py run_worker``)."""

from casework.webhooks import services
from config.tasks import RetriesExhausted, retry_later, task


@task()
def deliver_webhook(delivery_id: int, attempt: int = 1) -> str:
    """One delivery; a failure that may pass is tried again with back-off, up to
    ``TASK_MAX_ATTEMPTS``, then recorded as failed (a manager can redeliver it)."""
    try:
        return services.delivery_send(delivery_id=delivery_id).state
    except services.DeliveryFailed as failure:
        if not failure.transient:
            return "failed"
        try:
            retry_later(
                deliver_webhook,
                attempt=attempt,
                kwargs={"delivery_id": delivery_id},
                error=failure,
            )
        except RetriesExhausted:
            services.delivery_give_up(
                delivery_id=delivery_id, reason=f"Gave up after {attempt} attempts: {failure}"
            )
            return "failed"
        return "retrying"
