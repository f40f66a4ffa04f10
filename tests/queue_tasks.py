"""Tasks for the task queue tests (tests/test_tasks_redis.py, tests/test_task_request_id.py):
module level, so a worker in another process finds them by path. Each counts its runs
in Redis (INCR ``key``) on the queue's own connection, and logs under ``tests.tasks``."""

import logging
import time

from django.tasks import task_backends

from config.tasks import retry_later, task

logger = logging.getLogger("tests.tasks")


def _count(key: str) -> int:
    return int(task_backends["default"].get_client().incr(key))  # type: ignore[attr-defined]


@task()
def count_run(key: str, hold_first: float = 0.0) -> int:
    """Count a run; the first run waits ``hold_first`` seconds (time for a test to kill
    its worker mid-task). Safe to run twice: it only counts."""
    runs = _count(key)
    logger.info("counted run %d of %s", runs, key)
    if runs == 1 and hold_first:
        time.sleep(hold_first)
    return runs


@task()
def fail_once(key: str, attempt: int = 1) -> int:
    """Fail the first attempt with a passing fault, retried by ``retry_later``."""
    runs = _count(key)
    logger.info("attempt %d of %s", attempt, key)
    if attempt == 1:
        error = ConnectionRefusedError("not yet")
        retry_later(fail_once, attempt=attempt, kwargs={"key": key}, error=error)
        raise error
    return runs


@task()
def log_line(text: str) -> str:
    logger.info("task says %s", text)
    return text
