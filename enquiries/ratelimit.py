"""Fixed-window rate limits that every server process counts alike.

By default each (limit, key, window) is a ``RateLimitCounter`` row incremented in the
database (``UPDATE ... SET hits = hits + 1``): atomic across processes on SQLite and
PostgreSQL alike. With Redis as the cache (``REDIS_URL``) the count is Redis's own
atomic INCR instead. Either way the key (an address) is kept only as a keyed hash.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from enquiries.models import RateLimitCounter

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


def key_digest(key: str) -> str:
    """A keyed hash of ``key``: an unsalted hash of an IPv4 address or an email address
    is reversed by trying them all, so no raw or plainly hashed address is stored."""
    return salted_hmac("enquiries.ratelimit", key, algorithm="sha256").hexdigest()


def _count_in_redis(cache: RedisCache, scope: str, digest: str, window: int, period: int) -> int:
    cache_key = f"rl:{scope}:{digest}:{window}"
    cache.add(cache_key, 0, timeout=period)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=period)
        return 1


def _count_in_database(scope: str, digest: str, window_start: datetime, period: int) -> int:
    """Add one to the window's row (made if it is new) and read the total back, in one
    statement where the database can (an upsert returning the count); concurrent hits
    each read their own total. Called outside any submission's transaction, so the row is
    locked only for that statement. Inside a caller's transaction the hit is undone if
    that transaction is rolled back."""
    expires_at = window_start + timedelta(seconds=period)
    if connection.vendor in {"postgresql", "sqlite"} and (
        connection.features.can_return_columns_from_insert
    ):
        table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (scope, key_hash, window_start, expires_at, hits) "  # noqa: S608 - our table's name
                "VALUES (%s, %s, %s, %s, 1) "
                "ON CONFLICT (scope, key_hash, window_start) "
                f"DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
                [scope, digest, adapt(window_start), adapt(expires_at)],
            )
            return int(cursor.fetchone()[0])
    row = {"scope": scope, "key_hash": digest, "window_start": window_start}
    with transaction.atomic():
        RateLimitCounter.objects.bulk_create(
            [RateLimitCounter(**row, expires_at=expires_at)],
            ignore_conflicts=True,
        )
        RateLimitCounter.objects.filter(**row).update(hits=F("hits") + 1)
        return RateLimitCounter.objects.values_list("hits", flat=True).get(**row)


def hit(scope: str, key: str, rate: str, *, now: datetime | None = None) -> bool:
    """Count one hit of ``key`` in ``scope``; False once the rate is exceeded."""
    limit, period = parse_rate(rate)
    window = int((now or timezone.now()).timestamp()) // period
    digest = key_digest(key)
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        count = _count_in_redis(cache, scope, digest, window, period)
    else:
        window_start = datetime.fromtimestamp(window * period, tz=UTC)
        count = _count_in_database(scope, digest, window_start, period)
    return count <= limit


def rate_limit_counters_prune(*, now: datetime | None = None) -> int:
    """Forget the counts of windows that have ended (run daily, ``prune_idempotency_keys``);
    returns how many rows were removed."""
    deleted, _ = RateLimitCounter.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


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


def portal_hits(client: str, *, action: str, address: str) -> tuple[bool, int]:
    """Count one ``action`` ("new-link" or "reply") by ``client`` (its address,
    ``client_address``) and for ``address`` (an email address, lower-cased). Both are
    counted, so a flood from one client is also charged to the address. Returns
    (allowed, seconds to wait when refused)."""
    checks = [
        (f"{action}-client", client),
        (f"{action}-address", address.strip().lower()),
    ]
    refused = [scope for scope, key in checks if not hit(scope, key, portal_rate(scope))]
    if not refused:
        return True, 0
    return False, max(parse_rate(portal_rate(scope))[1] for scope in refused)
