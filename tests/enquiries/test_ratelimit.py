"""Rate limits: counted atomically in the database (every server process sees every hit),
keys kept only as keyed hashes, ended windows pruned; Redis's INCR when Redis is the cache.
"""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from enquiries import ratelimit
from enquiries.models import RateLimitCounter
from tests.casework.test_concurrency import run_together

pytestmark = pytest.mark.django_db

# 10:00:00 UTC: the start of an hour, of a minute and of a day's 36th 1000 seconds.
T0 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def _hits(n: int, *, key: str = "203.0.113.7", rate: str = "3/hour", now=T0) -> list[bool]:
    return [ratelimit.hit("test", key, rate, now=now) for _ in range(n)]


def test_hits_are_allowed_up_to_the_rate_then_refused():
    assert _hits(5) == [True, True, True, False, False]
    [row] = RateLimitCounter.objects.all()
    assert row.hits == 5
    assert (row.window_start, row.expires_at) == (T0, T0 + timedelta(hours=1))


def test_a_hit_is_one_statement_outside_any_transaction(django_assert_num_queries):
    """The count is an upsert that returns the total: the row is locked for that one
    statement, not for a transaction around the request."""
    _hits(1)
    with django_assert_num_queries(1):
        assert _hits(1) == [True]
    assert RateLimitCounter.objects.get(window_start=T0).hits == 2


def test_a_new_window_starts_a_new_count():
    assert _hits(4, now=T0 + timedelta(minutes=59)) == [True, True, True, False]
    assert _hits(1, now=T0 + timedelta(minutes=60)) == [True]


def test_keys_and_scopes_are_counted_apart():
    assert _hits(4, key="a@example.org") == [True, True, True, False]
    assert _hits(1, key="b@example.org") == [True]
    assert ratelimit.hit("other", "a@example.org", "3/hour", now=T0)


def test_no_address_is_stored_in_clear_or_plainly_hashed():
    import hashlib

    address = "sam@example.org"
    _hits(1, key=address)
    [row] = RateLimitCounter.objects.values()
    stored = " ".join(str(value) for value in row.values())
    assert address not in stored
    assert hashlib.sha256(address.encode()).hexdigest()[:32] not in stored
    assert row["key_hash"] == ratelimit.key_digest(address) != ratelimit.key_digest("x")


def test_ended_windows_are_pruned_by_the_daily_command_and_open_ones_kept():
    long_ago = timezone.now() - timedelta(days=2)
    _hits(2, key="old", now=long_ago)
    ratelimit.hit("test", "current", "3/day")

    out = StringIO()
    call_command("prune_idempotency_keys", stdout=out)

    assert "Removed 1 rate-limit count(s)" in out.getvalue()
    assert list(RateLimitCounter.objects.values_list("hits", flat=True)) == [1]


def test_the_portal_limits_count_in_the_database(client):
    """Through a real endpoint: hits land in the counter table, not the cache."""
    from django.urls import reverse

    client.post(reverse("enquiries:new_link"), {"email": "sam@example.org"})
    scopes = set(RateLimitCounter.objects.values_list("scope", "hits"))
    assert scopes == {("new-link-client", 1), ("new-link-address", 1)}


class _FakeRedis:
    """Stands in for the Redis client: add (SET NX) and INCR, in memory."""

    def __init__(self):
        self.values: dict[str, int] = {}

    def add(self, key, value, timeout=None):
        return self.values.setdefault(key, value) == value

    def incr(self, key, delta=1):
        self.values[key] += delta
        return self.values[key]


def test_with_redis_as_the_cache_its_atomic_incr_counts(settings, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # never connected: the client is faked
        }
    }
    cache = caches["default"]
    fake = _FakeRedis()
    monkeypatch.setattr(cache, "add", fake.add)
    monkeypatch.setattr(cache, "incr", fake.incr)

    assert _hits(4, key="a@example.org") == [True, True, True, False]
    assert not RateLimitCounter.objects.exists()
    [key] = fake.values
    assert "a@example.org" not in key and ratelimit.key_digest("a@example.org") in key


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL: set DATABASE_URL=postgres://... to run it",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_hits_from_many_processes_are_each_counted():
    """Eight connections at once, as eight server processes: exactly eight hits counted
    and exactly five allowed (the database cache's add + incr reads, then writes, so
    simultaneous hits could each read the same count)."""
    threads = 8
    now = timezone.now()

    def one_hit():
        return ratelimit.hit("race", "203.0.113.7", "5/hour", now=now)

    results = run_together(*[one_hit] * threads)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == [False] * 3 + [True] * 5
    assert RateLimitCounter.objects.get(scope="race").hits == threads


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL: set DATABASE_URL=postgres://... to run it",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_intake_api_throttle_counts_simultaneous_requests_exactly(settings):
    """The intake API's per-client throttle uses the same counter: eight simultaneous
    requests at 5/hour, exactly five let through (DRF's own throttle reads its history
    from the cache and writes it back, so simultaneous requests could all pass)."""
    from django.test import RequestFactory

    from enquiries.intake.api import EnquiryIntakeThrottle

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"enquiry_intake": "5/hour"},
    }
    request = RequestFactory().post("/api/v1/intake/", REMOTE_ADDR="198.51.100.4")

    def one_request():
        throttle = EnquiryIntakeThrottle()
        allowed = throttle.allow_request(request, None)
        return allowed, allowed or 0 < throttle.wait() <= 3600

    results = run_together(*[one_request] * 8)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == [(False, True)] * 3 + [(True, True)] * 5
