"""The database task backend with the desk's retry policy and reaper."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus, task_backends
from django.test import override_settings
from django.utils import timezone
from django.utils.connection import Local
from django_tasks_db.models import DBTaskResult

from enquiries.models import Notification
from enquiries.task_policy import reap_stale_tasks, retry_delay
from enquiries.tasks import send_notification
from tests.factories import EnquiryFactory

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _forget_task_backends() -> None:
    # django.tasks caches backend instances and has no setting_changed hook for TASKS.
    task_backends.__dict__.pop("settings", None)
    task_backends._settings = None
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture
def database_tasks():
    with override_settings(TASKS=DATABASE_TASKS):
        _forget_task_backends()
        yield
    _forget_task_backends()


@pytest.fixture
def notification(db):
    enquiry = EnquiryFactory()
    return Notification.objects.create(
        enquiry=enquiry,
        kind=Notification.Kind.ACKNOWLEDGEMENT,
        recipient="group@example.org",
        dedupe_key=f"ack:{enquiry.reference}",
    )


# The worker closes and reopens database connections between tasks, as it does in
# production, so tests that run it cannot sit inside a rolled-back test transaction.
worker_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _work() -> None:
    call_command("run_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


@worker_db
def test_worker_runs_an_enqueued_email(database_tasks, notification, smtp_server):
    send_notification.enqueue(notification_id=notification.pk)
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY
    assert smtp_server.messages == []

    _work()

    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    assert len(smtp_server.messages) == 1


@worker_db
def test_transient_failure_schedules_a_deferred_retry(
    database_tasks, notification, smtp_server, settings
):
    settings.TASK_RETRY_DELAY_SECONDS = 60
    smtp_server.refuse = 1
    send_notification.enqueue(notification_id=notification.pk)

    _work()

    first, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == TaskResultStatus.FAILED
    assert "SMTPDataError" in first.exception_class_path
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs["kwargs"] == {"notification_id": notification.pk, "attempt": 2}
    assert retry.run_after > timezone.now() + timedelta(seconds=50)
    assert smtp_server.messages == []

    # When it is due, the next worker run sends it.
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    _work()
    assert len(smtp_server.messages) == 1
    notification.refresh_from_db()
    assert notification.attempts == 2 and notification.sent_at is not None


@worker_db
def test_reaper_hands_back_a_task_abandoned_by_a_dead_worker(
    database_tasks, notification, smtp_server, settings
):
    send_notification.enqueue(notification_id=notification.pk)
    # A worker claimed it, sent the email, and was killed before recording success.
    send_notification.call(notification_id=notification.pk)
    stale = timezone.now() - timedelta(seconds=settings.TASK_STALE_AFTER_SECONDS + 60)
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING, started_at=stale, worker_ids=["dead-worker"]
    )
    assert len(smtp_server.messages) == 1

    result = reap_stale_tasks()
    assert (result.requeued, result.failed) == (1, 0)
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY

    _work()
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    assert len(smtp_server.messages) == 1  # run twice, sent once


def test_reaper_leaves_recent_running_tasks_alone(database_tasks, notification):
    send_notification.enqueue(notification_id=notification.pk)
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=["busy-worker"]
    )
    assert reap_stale_tasks() == type(reap_stale_tasks())(requeued=0, failed=0)
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING


def test_reaper_fails_a_task_that_used_all_its_attempts(database_tasks, notification, settings):
    settings.TASK_MAX_ATTEMPTS = 2
    send_notification.enqueue(notification_id=notification.pk)
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING,
        worker_ids=["w1", "w2"],
        started_at=timezone.now() - timedelta(seconds=settings.TASK_STALE_AFTER_SECONDS + 1),
    )
    call_command("reap_tasks", verbosity=0)
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.FAILED
    assert "RetriesExhausted" in task.exception_class_path


def test_retry_delay_doubles_and_is_capped(settings):
    settings.TASK_RETRY_DELAY_SECONDS = 60
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert retry_delay(30) == timedelta(hours=6)
