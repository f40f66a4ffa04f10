"""The request id goes with the tasks a request enqueues (config.tasks.DeskTask): the
worker's log records for the task carry the request's id, in the same ``request_id``
field of the JSON log; tasks enqueued outside a request carry nothing; the task's
function never sees the id. Every app task is made with the desk's ``task``.

The Redis backend's twin of the worker test is in tests/test_tasks_redis.py."""

import ast
import importlib
import json
import logging
from pathlib import Path

import pytest
from django.tasks import Task, TaskResultStatus
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from config.logs import JsonFormatter, RequestIdFilter, request_id
from config.tasks import REQUEST_ID_KWARG, DeskTask
from tests.enquiries.test_tasks import _work
from tests.queue_tasks import log_line

ROOT = Path(__file__).resolve().parent.parent
APPS = ("knowledgebase", "enquiries", "casework")

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def json_log():
    """Every log record, as the JSON lines LOG_FORMAT=json writes, the request id read
    when the record is made (as the console handler's filter does)."""
    lines: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(self.format(record)))

    handler = Collect(level=logging.INFO)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lines
    root.removeHandler(handler)
    root.setLevel(saved_level)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_enqueued_by_a_request_logs_with_its_request_id(
    database_tasks, client, manager, json_log
):
    client.force_login(manager.user)
    response = client.post(reverse("casework:duplicates"), HTTP_X_REQUEST_ID="abc")
    assert response.status_code == 302
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["kwargs"] == {"days": None, REQUEST_ID_KWARG: "abc"}

    _work()

    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    (line,) = [entry for entry in json_log if entry["message"].startswith("duplicates found")]
    assert line["request_id"] == "abc"
    assert line["logger"] == "casework.duplicates.services"
    assert request_id.get() == "-"  # the worker put it back


@pytest.mark.django_db
def test_a_task_enqueued_outside_a_request_carries_no_id(database_tasks):
    log_line.enqueue(text="hello")
    assert DBTaskResult.objects.get().args_kwargs["kwargs"] == {"text": "hello"}


def test_the_function_never_sees_the_id_and_logs_under_it(json_log):
    assert log_line.call(text="hi", **{REQUEST_ID_KWARG: "req-9"}) == "hi"
    assert log_line.call(text="hi") == "hi"
    said = [entry for entry in json_log if entry["message"] == "task says hi"]
    assert [entry["request_id"] for entry in said] == ["req-9", "-"]


def test_an_id_that_is_not_sane_is_not_logged(json_log):
    log_line.call(text="x", **{REQUEST_ID_KWARG: "bad id\n"})
    (line,) = [entry for entry in json_log if entry["message"] == "task says x"]
    assert line["request_id"] == "-"


@pytest.mark.django_db
def test_a_task_enqueued_while_a_task_runs_carries_the_id_on(database_tasks):
    token = request_id.set("req-5")  # as the task wrapper sets it in the worker
    try:
        log_line.enqueue(text="next")
    finally:
        request_id.reset(token)
    assert DBTaskResult.objects.get().args_kwargs["kwargs"] == {
        "text": "next",
        REQUEST_ID_KWARG: "req-5",
    }


def _django_task_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.tasks":
            found += [
                f"{path}: from django.tasks import task" for a in node.names if a.name == "task"
            ]
        if isinstance(node, ast.Attribute) and node.attr == "task":
            value = node.value
            if isinstance(value, ast.Attribute) and value.attr == "tasks":
                found.append(f"{path}: django.tasks.task")
    return found


def test_every_app_task_is_made_with_the_desks_task_decorator():
    found = [
        hit for app in APPS for p in (ROOT / app).rglob("*.py") for hit in _django_task_imports(p)
    ]
    assert found == []
    for path in (ROOT / app for app in APPS):
        for module_path in path.rglob("tasks.py"):
            name = ".".join(module_path.relative_to(ROOT).with_suffix("").parts)
            module = importlib.import_module(name)
            tasks = [value for value in vars(module).values() if isinstance(value, Task)]
            assert tasks, name
            assert all(isinstance(each, DeskTask) for each in tasks), name
