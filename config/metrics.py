"""The desk's in-process Prometheus metrics and the middleware that times requests
(docs/operations.md, "Metrics"). Imports no app: the apps count through these objects.

Counted here, per process: request latency by view, reports run and refused. What lives
in the database (the task queue, emails) is read when ``/metrics`` is scraped
(``casework.health.metrics``), so every node and worker is counted, not just this process.
With several gunicorn processes, set ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's
multiprocess mode) so that one scrape adds up every process's counts.
"""

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from prometheus_client import Counter, Histogram

logger = logging.getLogger("config.requests")

REQUEST_LATENCY = Histogram(
    "desk_request_duration_seconds",
    "Time to answer a request, by view name (never the path), method and status class.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REPORTS = Counter(
    "desk_reports",
    "Managers' reports: run, or refused (busy: no turn in time; timeout: stopped).",
    ["outcome"],
)

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
UNMATCHED = "<unmatched>"


def view_label(request: HttpRequest) -> str:
    """The URL's name (``enquiries:track``) or, for an unnamed URL, its route pattern
    (``track/<str:token>/``, never the token itself); ``<unmatched>`` for no URL."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name if match.url_name else (match.route or UNMATCHED)


class RequestMetrics:
    """Middleware: time each request into ``REQUEST_LATENCY`` and log one line for it,
    by view name, method, status and duration: no path, no query, no address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = view_label(request)
        method = request.method if request.method in _METHODS else "other"
        status = f"{response.status_code // 100}xx"
        REQUEST_LATENCY.labels(view=view, method=method, status=status).observe(elapsed)
        logger.info(
            "request view=%s method=%s status=%s duration_ms=%d",
            view,
            method,
            response.status_code,
            elapsed * 1000,
        )
        return response
