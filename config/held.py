"""Data held in each server process under a version kept in the shared cache.

Reference data read on every request (topics, areas, which team a topic goes to) changes
a few times a year. A process may hold it until its version changes: the version is a
random token in ``caches["default"]`` (Redis with ``REDIS_URL``, else the database cache
table), so every process sees a change on its next read. Reading the token is a cache
read: no SQL with Redis, one ``SELECT`` with the database cache. A missing token (a new
cache, the key evicted) is a new version, never the old data.
"""

import uuid

from django.core.cache import caches
from django.db import transaction


def version(key: str) -> str:
    """The current version under ``key``."""
    cache = caches["default"]
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        token = cache.get(key)
    return str(token)


def renew(key: str) -> None:
    """A new version under ``key``, now and again after the commit: a process that reads
    between the two (the rows from before the commit under the first token) reads again
    after the second."""

    def new_token() -> None:
        caches["default"].set(key, uuid.uuid4().hex, timeout=None)

    new_token()
    transaction.on_commit(new_token)
