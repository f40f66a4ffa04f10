"""Request ids and the log format (docs/operations.md, "Request ids and logs").

Every request gets an id: the proxy's ``X-Request-ID`` when it looks like one (at most 64
characters of letters, digits, ``-``, ``_`` and ``.``), otherwise a new uuid4 hex. It is
sent back in the response's ``X-Request-ID`` and put on every log record made while the
request is served (``RequestIdFilter``, through a context variable, so threads and
requests never share one). ``LOG_FORMAT=json`` writes one JSON object a line
(``JsonFormatter``), with the standard library only.

Personal data is never logged: a request is logged by its view's name, never its path
(a tracking link's path holds its secret token).
"""

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponseBase

REQUEST_ID_HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_id: ContextVar[str] = ContextVar("request_id", default="-")


def sane_request_id(value: str | None) -> str | None:
    """The proxy's id if it is safe to log and echo as it is, else None."""
    if value and _SANE.fullmatch(value):
        return value
    return None


class RequestId:
    """Middleware (first in the list): take or make the request's id, serve the request
    with it set for logging, and send it back in the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        given = sane_request_id(request.headers.get(REQUEST_ID_HEADER))
        value = given or uuid.uuid4().hex
        request.request_id = value  # type: ignore[attr-defined]
        token = request_id.set(value)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[REQUEST_ID_HEADER] = value
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record ("-" outside a request: a worker, a command)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


# Attributes every LogRecord has; anything else on a record was passed with ``extra=``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id,
    any ``extra=`` fields, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool)) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
