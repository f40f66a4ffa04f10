"""``/healthz`` (the process answers), ``/readyz`` (it can serve: its database, cache, task
queue and mail poller are well; a lagging read replica only makes it "degraded") and
``/metrics`` (Prometheus). No sign-in for any; ``/readyz`` is rate-limited per client
address, ``/metrics`` is answered only to ``METRICS_ALLOWED_IPS`` or a bearer
``METRICS_TOKEN`` (anyone else: 404, as if absent)."""

import ipaddress
import logging
import os
import secrets

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from casework.health.metrics import DatabaseCollector
from casework.health.selectors import readiness, readiness_status
from enquiries.ratelimit import client_address, hit, parse_rate

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering. Touches nothing else (no database)."""
    return JsonResponse({"status": "ok"})


def _rate_limited(request: HttpRequest) -> bool:
    """True when this client has asked too often. If the count cannot be kept (the
    database is down), the request is answered: the checks will say what is wrong."""
    try:
        return not hit("readyz", client_address(request), settings.READYZ_RATE)
    except Exception:
        logger.warning("readyz: the rate limit could not be counted", exc_info=True)
        return False


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when every check is ok ("ok") or only an optional one is not ("degraded": the
    read replica), 503 otherwise; 429 to a client over ``READYZ_RATE``."""
    if _rate_limited(request):
        response = JsonResponse({"status": "rate limited"}, status=429)
        response["Retry-After"] = str(parse_rate(settings.READYZ_RATE)[1])
        return response
    checks = readiness()
    status = readiness_status(checks)
    return JsonResponse(
        {"status": status, "checks": checks}, status=503 if status == "unavailable" else 200
    )


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and secrets.compare_digest(given.strip(), token):
        return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS
    )


def _process_registry() -> CollectorRegistry:
    """This process's metrics, or every process's (``PROMETHEUS_MULTIPROC_DIR`` set)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's text format: the in-process metrics (``config.metrics``) and the
    figures read from the database at scrape time (``DatabaseCollector``)."""
    if not _allowed(request):
        raise Http404
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(DatabaseCollector())
    body = generate_latest(_process_registry()) + generate_latest(scraped)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
