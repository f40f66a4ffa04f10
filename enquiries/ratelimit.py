"""Fixed-window rate limits kept in the shared cache (database or Redis), so every
server process counts the same hits."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/hour' -> (20, 3600)."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()[0].lower()]


def client_address(request: HttpRequest) -> str:
    """The caller's address; with NUM_PROXIES trusted proxies, read X-Forwarded-For."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "")


def hit(scope: str, key: str, rate: str) -> bool:
    """Count one hit of ``key`` in ``scope``; False once the rate is exceeded."""
    limit, period = parse_rate(rate)
    window = int(timezone.now().timestamp()) // period
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # no raw addresses in cache keys
    cache_key = f"rl:{scope}:{digest}:{window}"
    cache.add(cache_key, 0, timeout=period)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=period)
        count = 1
    return count <= limit


def enquiry_address_hit(address: str) -> tuple[bool, int]:
    """Count one enquiry sent from ``address`` (an email address), by the form or the API:
    many connections aimed at one mailbox (acknowledgements as spam) share one limit,
    ``ENQUIRY_FORM_ADDRESS_RATE``. Returns (allowed, seconds to wait when refused)."""
    rate = settings.ENQUIRY_FORM_ADDRESS_RATE
    if hit("enquiry-address", address.strip().lower(), rate):
        return True, 0
    return False, parse_rate(rate)[1]


# The portal's limits (settings, from the environment): per client (one connection
# flooding) and per address (many connections aimed at one mailbox or enquiry).
PORTAL_RATES = {
    "new-link-client": "PORTAL_NEW_LINK_CLIENT_RATE",
    "new-link-address": "PORTAL_NEW_LINK_ADDRESS_RATE",
    "reply-client": "PORTAL_REPLY_CLIENT_RATE",
    "reply-address": "PORTAL_REPLY_ADDRESS_RATE",
}


def portal_rate(scope: str) -> str:
    return getattr(settings, PORTAL_RATES[scope])


def portal_hits(request: HttpRequest, *, action: str, address: str) -> tuple[bool, int]:
    """Count one ``action`` ("new-link" or "reply") by this client and for ``address``
    (an email address, lower-cased). Both are counted, so a flood from one client is
    also charged to the address. Returns (allowed, seconds to wait when refused)."""
    checks = [
        (f"{action}-client", client_address(request)),
        (f"{action}-address", address.strip().lower()),
    ]
    refused = [scope for scope, key in checks if not hit(scope, key, portal_rate(scope))]
    if not refused:
        return True, 0
    return False, max(parse_rate(portal_rate(scope))[1] for scope in refused)
