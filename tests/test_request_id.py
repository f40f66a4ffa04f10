"""Request ids and the log format (config/logs.py): an id from the proxy is kept when it
is sane, otherwise one is made; it is sent back and is on every log line of the request;
LOG_FORMAT=json writes lines that parse; a request is logged by view name, never path."""

import json
import logging
import re

import pytest
from django.urls import reverse

from config.logs import JsonFormatter, RequestIdFilter, request_id
from enquiries.services import tracking_link_create

pytestmark = pytest.mark.django_db

HEX_ID = re.compile(r"[0-9a-f]{32}")


def test_a_sane_request_id_from_the_proxy_is_echoed(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.2026_12-01")
    assert response["X-Request-ID"] == "lb-7f3a.2026_12-01"


@pytest.mark.parametrize(
    "given",
    ["a" * 65, "id with spaces", "<script>", "abc\u00e9", "x;rm -rf", ""],
)
def test_an_insane_request_id_is_replaced(client, given):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)
    assert HEX_ID.fullmatch(response["X-Request-ID"])


def test_each_request_without_an_id_gets_its_own(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert HEX_ID.fullmatch(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_log_lines_of_a_request_carry_its_id_and_its_view_not_its_path(client, submit, caplog):
    token = tracking_link_create(enquiry=submit(), covers_address=True)
    with caplog.at_level(logging.INFO, logger="config.requests"):
        client.get(reverse("enquiries:track", args=[token]), HTTP_X_REQUEST_ID="req-42")
    line = next(r for r in caplog.records if r.name == "config.requests")
    RequestIdFilter().filter(line)
    assert line.request_id == "req-42"
    assert "view=enquiries:track" in line.getMessage()
    assert token not in caplog.text and "/track/" not in caplog.text
    assert request_id.get() == "-"  # reset once the request is answered


def test_the_json_formatter_writes_a_line_that_parses_with_the_request_id():
    record = logging.makeLogRecord(
        {"name": "desk", "levelname": "INFO", "levelno": 20, "msg": "hello %s", "args": ("x",)}
    )
    record.reference = "CR-2026-000001"  # passed with extra=
    token = request_id.set("req-7")
    try:
        RequestIdFilter().filter(record)
        entry = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert entry["message"] == "hello x"
    assert entry["request_id"] == "req-7"
    assert entry["level"] == "INFO" and entry["logger"] == "desk"
    assert entry["reference"] == "CR-2026-000001"
    assert entry["time"].endswith("+00:00")


def test_the_json_formatter_keeps_a_traceback_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.makeLogRecord(
            {"msg": "failed", "levelname": "ERROR", "exc_info": sys.exc_info()}
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]
    assert json.loads(line)["request_id"] == "-"
