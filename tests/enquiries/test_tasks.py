"""The database task backend with the desk's retry policy, reaper and worker command."""

import io
import signal
import smtplib
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.tasks import TaskResultStatus, task_backends
from django.test import override_settings
from django.utils import timezone
from django.utils.connection import Local
from django_tasks_db.models import DBTaskResult

from config.tasks import ReapResult, is_transient, reap_stale_tasks, retry_delay
from enquiries.management.commands.run_worker import reap_periodically
from enquiries.models import Notification
from enquiries.tasks import send_notification
from tests.factories import EnquiryFactory

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The worker and the reaper's thread commit in their own transactions (and the
# worker closes connections between tasks), so tests that run them cannot sit
# inside a rolled-back test transaction; serialized_rollback restores the
# reference data (topics, areas) that flushing after the test removes.
worker_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


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


@pytest.fixture(autouse=True)
def _restore_signal_handlers():
    # The worker installs its own SIGINT/SIGTERM handlers and never puts them back.
    names = [name for name in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, name)]
    saved = {name: signal.getsignal(getattr(signal, name)) for name in names}
    yield
    for name, handler in saved.items():
        signal.signal(getattr(signal, name), handler)


@pytest.fixture
def notification(db):
    enquiry = EnquiryFactory()
    return Notification.objects.create(
        enquiry=enquiry,
        kind=Notification.Kind.ACKNOWLEDGEMENT,
        recipient="group@example.org",
        dedupe_key=f"ack:{enquiry.reference}",
    )


def _work(*options: str) -> str:
    """Run the desk's worker until the queue is empty, as `manage.py run_worker --batch`."""
    out = io.StringIO()
    call_command(
        "run_worker",
        "--batch",
        "--no-startup-delay",
        "--no-reload",
        "--interval",
        "0",
        *options,
        stdout=out,
        verbosity=0,
    )
    return out.getvalue()


def _abandon(*, seconds_ago: int, worker_ids: list[str]) -> None:
    """Leave every task as a killed worker leaves it: running, for ``seconds_ago``."""
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(seconds=seconds_ago),
        worker_ids=worker_ids,
    )


@worker_db
def test_worker_runs_an_enqueued_email(database_tasks, notification, smtp_server):
    send_notification.enqueue(notification_id=notification.pk)
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY
    assert smtp_server.messages == []  # nothing happens until a worker runs

    _work()

    result = DBTaskResult.objects.get()
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, "sent")
    assert [recipients for recipients, _ in smtp_server.messages] == [["group@example.org"]]
    notification.refresh_from_db()
    assert notification.sent_at is not None


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
    assert first.exception_class_path == "smtplib.SMTPDataError"
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs["kwargs"] == {"notification_id": notification.pk, "attempt": 2}
    assert retry.run_after > timezone.now() + timedelta(seconds=50)
    assert smtp_server.messages == []
    notification.refresh_from_db()
    assert (notification.attempts, notification.last_error) == (1, "SMTPDataError 451")

    _work()  # not due yet: the worker leaves it
    assert DBTaskResult.objects.get(pk=retry.pk).status == TaskResultStatus.READY
    assert smtp_server.messages == []

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    _work()
    assert DBTaskResult.objects.get(pk=retry.pk).status == TaskResultStatus.SUCCESSFUL
    assert len(smtp_server.messages) == 1
    notification.refresh_from_db()
    assert (notification.attempts, notification.last_error) == (2, "")
    assert notification.sent_at is not None


@worker_db
def test_final_failure_is_recorded_without_a_retry(
    database_tasks, notification, smtp_server, settings
):
    settings.TASK_MAX_ATTEMPTS = 1
    smtp_server.refuse = 1
    send_notification.enqueue(notification_id=notification.pk)

    _work()

    result = DBTaskResult.objects.get()  # no retry enqueued
    assert result.status == TaskResultStatus.FAILED
    assert result.exception_class_path == "config.tasks.RetriesExhausted"
    assert "SMTPDataError" in result.traceback
    notification.refresh_from_db()
    assert (notification.attempts, notification.sent_at) == (1, None)
    assert notification.last_error == "SMTPDataError 451"


@worker_db
def test_reaper_hands_back_a_task_abandoned_by_a_dead_worker(
    database_tasks, notification, smtp_server, settings
):
    send_notification.enqueue(notification_id=notification.pk)
    # A worker claimed it, sent the email, and was killed before recording success.
    send_notification.call(notification_id=notification.pk)
    _abandon(seconds_ago=settings.TASK_STALE_AFTER_SECONDS + 60, worker_ids=["dead-worker"])
    assert len(smtp_server.messages) == 1

    assert reap_stale_tasks() == ReapResult(requeued=1, failed=0)
    result = DBTaskResult.objects.get()
    assert (result.status, result.started_at) == (TaskResultStatus.READY, None)

    _work()
    result = DBTaskResult.objects.get()
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, "already sent")
    assert len(result.worker_ids) == 2
    assert len(smtp_server.messages) == 1  # run twice, sent once


@worker_db
def test_run_worker_reaps_before_it_works(database_tasks, notification, smtp_server, settings):
    send_notification.enqueue(notification_id=notification.pk)
    _abandon(seconds_ago=settings.TASK_STALE_AFTER_SECONDS + 60, worker_ids=["dead-worker"])

    output = _work()

    assert "Requeued 1, failed 0 stale task(s)." in output
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    assert len(smtp_server.messages) == 1


def test_reaper_leaves_recent_running_tasks_alone(database_tasks, notification, settings):
    send_notification.enqueue(notification_id=notification.pk)
    _abandon(seconds_ago=settings.TASK_STALE_AFTER_SECONDS - 60, worker_ids=["busy-worker"])

    assert reap_stale_tasks() == ReapResult(requeued=0, failed=0)
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING


def test_reaper_leaves_waiting_and_finished_tasks_alone(database_tasks, notification, settings):
    old = timezone.now() - timedelta(days=1)
    for status in (TaskResultStatus.READY, TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
        result = send_notification.enqueue(notification_id=notification.pk)
        DBTaskResult.objects.filter(pk=result.id).update(status=status, started_at=old)

    assert reap_stale_tasks() == ReapResult(requeued=0, failed=0)
    assert DBTaskResult.objects.filter(started_at=old).count() == 3


def test_reaper_fails_a_task_that_used_all_its_attempts(database_tasks, notification, settings):
    settings.TASK_MAX_ATTEMPTS = 2
    send_notification.enqueue(notification_id=notification.pk)
    _abandon(seconds_ago=settings.TASK_STALE_AFTER_SECONDS + 1, worker_ids=["w1", "w2"])
    out = io.StringIO()

    call_command("reap_tasks", stdout=out)

    assert out.getvalue().strip() == "Requeued 0, failed 1 stale task(s)."
    result = DBTaskResult.objects.get()
    assert result.status == TaskResultStatus.FAILED
    assert result.finished_at is not None
    assert result.exception_class_path == "config.tasks.RetriesExhausted"
    assert "2 time(s)" in result.traceback
    assert result.task_result.errors[0].exception_class.__name__ == "RetriesExhausted"


def test_reaping_again_changes_nothing(database_tasks, notification, settings):
    send_notification.enqueue(notification_id=notification.pk)
    _abandon(seconds_ago=settings.TASK_STALE_AFTER_SECONDS + 1, worker_ids=["w1"])
    first, second = io.StringIO(), io.StringIO()

    call_command("reap_tasks", stdout=first)
    call_command("reap_tasks", stdout=second)

    assert first.getvalue().strip() == "Requeued 1, failed 0 stale task(s)."
    assert second.getvalue().strip() == "Requeued 0, failed 0 stale task(s)."
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY


def _status_or_none():
    """The task's status, or None while SQLite's shared-cache table lock (held by the
    reaper thread's write) refuses the read: no busy timeout applies to that lock."""
    try:
        return DBTaskResult.objects.get().status
    except OperationalError:
        return None


@worker_db
def test_reaper_thread_hands_back_tasks_while_the_worker_runs(
    database_tasks, notification, settings
):
    send_notification.enqueue(notification_id=notification.pk)
    _abandon(seconds_ago=settings.TASK_STALE_AFTER_SECONDS + 60, worker_ids=["dead-worker"])
    stop = threading.Event()
    reaper = threading.Thread(target=reap_periodically, args=(0.01, stop))
    reaper.start()
    try:
        deadline = time.monotonic() + 10
        while _status_or_none() != TaskResultStatus.READY:
            assert time.monotonic() < deadline, "the reaper thread did not reap"
            time.sleep(0.02)
    finally:
        stop.set()
        reaper.join(timeout=10)
    assert not reaper.is_alive()


@worker_db
def test_long_running_worker_stops_its_reaper_when_it_stops(
    database_tasks, notification, smtp_server
):
    send_notification.enqueue(notification_id=notification.pk)

    # The thread's first reap is due long after the one task has run: on SQLite's shared
    # in-memory database a reap during the task's write fails that attempt with "table
    # locked", and --max-tasks=1 would then stop before the retry.
    call_command(
        "run_worker",
        "--max-tasks=1",
        "--reap-every=600",
        "--interval=0.01",
        "--no-startup-delay",
        "--no-reload",
        verbosity=0,
    )

    assert len(smtp_server.messages) == 1
    deadline = time.monotonic() + 10
    while any(thread.name == "reaper" for thread in threading.enumerate()):
        assert time.monotonic() < deadline, "the reaper thread outlived the worker"
        time.sleep(0.02)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@worker_db
def test_reaper_skips_a_task_another_process_has_locked(database_tasks, notification, settings):
    """Two reapers, or a reaper and a worker's claim, never handle the same row."""
    send_notification.enqueue(notification_id=notification.pk)
    _abandon(seconds_ago=settings.TASK_STALE_AFTER_SECONDS + 60, worker_ids=["dead-worker"])
    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        try:
            with transaction.atomic():
                DBTaskResult.objects.select_for_update().get()
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        assert reap_stale_tasks() == ReapResult(requeued=0, failed=0)  # skipped, not waited
    finally:
        release.set()
        holder.join(timeout=10)
    assert reap_stale_tasks() == ReapResult(requeued=1, failed=0)


def test_retry_delay_doubles_and_is_capped(settings):
    settings.TASK_RETRY_DELAY_SECONDS = 60
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(30) == retry_delay(10_000) == timedelta(hours=6)
    assert retry_delay(0) == retry_delay(1)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError("timed out"), True),
        (smtplib.SMTPServerDisconnected("gone"), True),
        (smtplib.SMTPDataError(451, b"try again later"), True),
        (smtplib.SMTPDataError(554, b"content rejected"), False),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"mailbox busy")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such mailbox")}), False),
        (smtplib.SMTPSenderRefused(550, b"not allowed", "desk@localhost"), True),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), True),
        (OperationalError("database is locked"), True),  # the database busy for a moment
        (ValueError("Invalid address"), False),
        (KeyError("unknown kind"), False),
    ],
)
def test_only_faults_that_may_pass_are_retried(error, transient):
    assert is_transient(error) is transient


def test_the_acknowledgement_task_commits_with_the_enquiry(database_tasks, submit, smtp_server):
    """With a stored queue the email's task is written in the submission's own transaction:
    committed together, or rolled back together, never an owed email without a task."""
    from django.db import transaction

    enquiry = submit()
    task = DBTaskResult.objects.get()
    owed = Notification.objects.get(enquiry=enquiry)
    assert task.status == TaskResultStatus.READY
    assert task.args_kwargs["kwargs"] == {"notification_id": owed.pk}
    assert smtp_server.messages == []  # the worker sends it, not the request

    with pytest.raises(RuntimeError), transaction.atomic():
        submit(subject="Rolled back")
        raise RuntimeError
    assert DBTaskResult.objects.count() == 1
    assert Notification.objects.count() == 1


def test_a_group_reminder_is_never_recorded_without_its_task(
    database_tasks, submit, adviser, monkeypatch
):
    """The reminder run has no transaction of its own: a failure writing the task must not
    leave the Notification behind, or every later run would find it owed and never send it."""
    import enquiries.tasks
    from enquiries.conversation.services import public_date_publish
    from enquiries.portal.services import group_deadline_reminders_send

    enquiry = submit()
    public_date_publish(
        enquiry=enquiry,
        source="deadline:1:1",
        label="Bid by",
        date=timezone.localdate() + timedelta(days=10),
        is_group_deadline=True,
        actor=adviser.user,
    )
    DBTaskResult.objects.all().delete()
    queue = enquiries.tasks.queue_notification

    def task_store_fails(notification_id: int) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(enquiries.tasks, "queue_notification", task_store_fails)
    with pytest.raises(OperationalError):
        group_deadline_reminders_send()
    assert not Notification.objects.filter(kind=Notification.Kind.GROUP_DEADLINE).exists()

    monkeypatch.setattr(enquiries.tasks, "queue_notification", queue)
    assert group_deadline_reminders_send() == 1
    assert group_deadline_reminders_send() == 0
    owed = Notification.objects.get(kind=Notification.Kind.GROUP_DEADLINE)
    [task] = DBTaskResult.objects.all()
    assert task.args_kwargs["kwargs"] == {"notification_id": owed.pk}
