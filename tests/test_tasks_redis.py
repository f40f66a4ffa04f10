"""TASK_BACKEND=redis (django-tasks-redis) against a real Redis: a worker runs what is
enqueued, a passing failure is retried after its delay, a task whose worker was killed
mid-run is run again exactly once by the reaper (config.tasks.reap_stale_tasks), and
fails once started TASK_MAX_ATTEMPTS times; enqueue_on_commit waits for the commit;
/readyz and /metrics read the Redis queue.

Each test uses its own key prefix and deletes only its keys. Skipped, saying so, only
when no Redis answers at TEST_REDIS_URL (default redis://127.0.0.1:6379/0; CI runs one).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import transaction
from django.tasks import TaskResultStatus, task_backends
from django.urls import reverse
from django_tasks_redis import executor

from casework.health.selectors import task_queue_stats
from config.tasks import REQUEST_ID_KWARG, ReapResult, enqueue_on_commit, reap_stale_tasks
from tests.queue_tasks import count_run, fail_once
from tests.test_task_request_id import json_log  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not os.environ.get("CI") and not _redis_answers(),
        reason=f"no Redis answers at {REDIS_URL}: start one to run these (CI fails without)",
    ),
]


def _options(prefix: str) -> dict:
    """As config/settings.py builds them for TASK_BACKEND=redis."""
    return {
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": prefix,
        "REDIS_CLAIM_TIMEOUT": 900,
        "REDIS_MAX_DELIVERIES": 5,
        "REDIS_SOCKET_CONNECT_TIMEOUT": 5,
    }


@pytest.fixture
def redis_tasks(settings):
    """The Redis backend as the default, under a key prefix of its own; its keys are
    deleted afterwards (only its keys: the Redis may be shared)."""
    prefix = f"desk-test-{uuid.uuid4().hex[:12]}"
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_redis.RedisTaskBackend",
            "QUEUES": ["default"],
            "OPTIONS": _options(prefix),
        }
    }
    backend = task_backends["default"]
    client = backend.get_client()
    yield backend
    keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


def _counted(backend, key: str) -> int:
    return int(backend.get_client().get(key) or 0)


def _key(backend) -> str:
    return f"{backend.key_prefix}:count:{uuid.uuid4().hex[:8]}"


def _work() -> list:
    """A worker in this process, until nothing is due (run_redis_tasks without
    --continuous does the same)."""
    return executor.process_tasks()


def test_a_worker_runs_what_is_enqueued(redis_tasks):
    key = _key(redis_tasks)
    queued = count_run.enqueue(key=key)
    assert redis_tasks.get_result(queued.id).status == TaskResultStatus.READY
    assert _counted(redis_tasks, key) == 0  # nothing runs until a worker does

    (result,) = _work()

    assert (result.id, result.status, result.return_value) == (
        queued.id,
        TaskResultStatus.SUCCESSFUL,
        1,
    )
    assert _work() == []


def test_a_passing_failure_is_retried_after_its_delay(redis_tasks, settings):
    settings.TASK_RETRY_DELAY_SECONDS = 1
    key = _key(redis_tasks)
    fail_once.enqueue(key=key)

    (first,) = _work()
    assert first.status == TaskResultStatus.FAILED
    assert redis_tasks.get_queue_stats()["delayed_count"] == 1
    assert _work() == []  # the retry waits for its delay
    assert _counted(redis_tasks, key) == 1

    time.sleep(1.2)
    (retry,) = _work()
    assert retry.status == TaskResultStatus.SUCCESSFUL
    assert retry.kwargs == {"key": key, "attempt": 2}
    assert _counted(redis_tasks, key) == 2


def test_enqueue_on_commit_queues_nothing_for_a_rolled_back_transaction(
    redis_tasks, django_capture_on_commit_callbacks
):
    def waiting() -> int:
        return redis_tasks.get_queue_stats()["pending_count"]

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_on_commit(count_run, key=_key(redis_tasks))
        assert waiting() == 0  # Redis cannot share the transaction: it waits
        raise RuntimeError("rolled back")
    assert waiting() == 0

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_on_commit(count_run, key=_key(redis_tasks))
        assert waiting() == 0
    assert waiting() == 1


def _worker_process(backend) -> subprocess.Popen:
    """`manage.py run_redis_tasks` (one pass, no --continuous) in its own process, on the
    same Redis and key prefix. Its task touches only Redis, and the system checks (which
    would connect to the development database, not the test one) are skipped."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "TASK_BACKEND": "redis",
        "TASK_REDIS_URL": REDIS_URL,
        "TASK_REDIS_KEY_PREFIX": backend.key_prefix,
    }
    return subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "run_redis_tasks", "--no-graceful-shutdown", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for(condition, *, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_task_whose_worker_is_killed_is_run_again_exactly_once(redis_tasks, settings):
    key = _key(redis_tasks)
    queued = count_run.enqueue(key=key, hold_first=60)
    worker = _worker_process(redis_tasks)
    try:
        _wait_for(lambda: _counted(redis_tasks, key) == 1 or worker.poll() is not None)
        assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
        worker.send_signal(signal.SIGKILL)  # mid-task: no chance to record anything
    finally:
        worker.kill()
        worker.wait(timeout=30)
        if worker.stderr:
            worker.stderr.close()
    assert redis_tasks.get_result(queued.id).status == TaskResultStatus.RUNNING

    settings.TASK_STALE_AFTER_SECONDS = 30
    assert reap_stale_tasks() == ReapResult(requeued=0, failed=0)  # not stale yet
    settings.TASK_STALE_AFTER_SECONDS = 1
    time.sleep(1.2)
    assert reap_stale_tasks() == ReapResult(requeued=1, failed=0)
    assert redis_tasks.get_result(queued.id).status == TaskResultStatus.READY

    (again,) = _work()
    assert (again.id, again.status, again.return_value) == (
        queued.id,
        TaskResultStatus.SUCCESSFUL,
        2,
    )
    assert len(again.worker_ids) == 2

    time.sleep(1.2)
    assert reap_stale_tasks() == ReapResult(requeued=0, failed=0)
    assert _work() == []
    assert _counted(redis_tasks, key) == 2  # run twice in all: killed once, re-run once


def _start_and_die(backend, task_result) -> None:
    """What a worker killed mid-task leaves: the message delivered and pending, the task
    claimed (RUNNING, one more start)."""
    (message,) = backend.broker.receive(worker_id="dead-worker")
    assert message.task_id == task_result.id
    assert backend.claim_task(task_result.id, worker_id="dead-worker")


def test_a_task_started_too_often_is_failed_not_run_again(redis_tasks, settings):
    settings.TASK_MAX_ATTEMPTS = 2
    settings.TASK_STALE_AFTER_SECONDS = 1
    key = _key(redis_tasks)
    queued = count_run.enqueue(key=key)

    _start_and_die(redis_tasks, queued)
    time.sleep(1.2)
    assert reap_stale_tasks() == ReapResult(requeued=1, failed=0)
    _start_and_die(redis_tasks, queued)
    time.sleep(1.2)
    assert reap_stale_tasks() == ReapResult(requeued=0, failed=1)

    result = redis_tasks.get_result(queued.id)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[-1].exception_class_path.endswith("TaskAbandoned")
    assert _work() == []
    assert _counted(redis_tasks, key) == 0


def test_the_reaper_leaves_a_running_task_alone_until_it_is_stale(redis_tasks, settings):
    settings.TASK_STALE_AFTER_SECONDS = 60
    queued = count_run.enqueue(key=_key(redis_tasks))
    _start_and_die(redis_tasks, queued)

    assert reap_stale_tasks() == ReapResult(requeued=0, failed=0)
    assert redis_tasks.get_result(queued.id).status == TaskResultStatus.RUNNING


def test_the_request_id_reaches_the_log_of_a_task_run_by_a_redis_worker(
    redis_tasks,
    client,
    manager,
    json_log,  # noqa: F811 (the fixture imported above)
):
    client.force_login(manager.user)
    response = client.post(reverse("casework:duplicates"), HTTP_X_REQUEST_ID="abc")
    assert response.status_code == 302
    ((task_id, data),) = list(redis_tasks.iter_task_data())
    assert REQUEST_ID_KWARG in data["kwargs_json"]

    (result,) = _work()

    assert result.status == TaskResultStatus.SUCCESSFUL  # the function never saw the id
    (line,) = [entry for entry in json_log if entry["message"].startswith("duplicates found")]
    assert line["request_id"] == "abc"
    assert line["logger"] == "casework.duplicates.services"


def test_readiness_and_metrics_read_the_redis_queue(redis_tasks, client):
    from datetime import timedelta

    from django.utils import timezone

    count_run.enqueue(key=_key(redis_tasks))
    count_run.enqueue(key=_key(redis_tasks))
    later = timezone.now() + timedelta(hours=1)
    count_run.using(run_after=later).enqueue(key=_key(redis_tasks))

    stats = task_queue_stats(now=timezone.now() + timedelta(seconds=30))
    assert stats["by_state"][TaskResultStatus.READY] == 3
    assert 29 <= stats["oldest_ready_age"] <= 60

    checks = client.get("/readyz").json()["checks"]
    assert checks["task_queue"]["ready"] == 3

    _work()
    stats = task_queue_stats()
    assert stats["by_state"][TaskResultStatus.SUCCESSFUL] == 2
    assert stats["by_state"][TaskResultStatus.READY] == 1  # the deferred one
    assert stats["oldest_ready_age"] == 0.0  # it may not run yet

    metrics = client.get("/metrics").content.decode()
    assert 'desk_tasks{state="successful"} 2.0' in metrics
