"""Settings read from the environment refuse values that cannot work, at start-up, with
a message naming the variable (config/settings.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _start(**env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        **env,
    }
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"REPORT_QUEUE_SECONDS": "30", "REPORT_TIMEOUT_SECONDS": "30"},
            "REPORT_QUEUE_SECONDS must be less than REPORT_TIMEOUT_SECONDS",
        ),
        ({"REPORT_WORK_MEM": "lots"}, "REPORT_WORK_MEM must look like 64MB"),
        ({"REPORT_CONCURRENCY": "-1"}, "REPORT_CONCURRENCY must be at least 0"),
        ({"PRESENCE_BEAT_SECONDS": "0"}, "PRESENCE_BEAT_SECONDS must be at least 1"),
        ({"PRESENCE_BEAT_SECONDS": "90"}, "PRESENCE_BEAT_SECONDS must be at most 50"),
    ],
)
def test_report_settings_that_cannot_work_stop_start_up(env, message):
    started = _start(**env)
    assert started.returncode != 0
    assert message in started.stderr


def test_the_default_report_settings_start():
    assert _start().returncode == 0


def test_the_redis_task_backend_needs_a_redis_url():
    started = _start(TASK_BACKEND="redis", TASK_REDIS_URL="", REDIS_URL="")
    assert started.returncode != 0
    assert "TASK_BACKEND=redis needs TASK_REDIS_URL (or REDIS_URL)" in started.stderr


def test_the_redis_task_backend_starts_with_a_url():
    assert _start(TASK_BACKEND="redis", TASK_REDIS_URL="redis://127.0.0.1:6379/0").returncode == 0
