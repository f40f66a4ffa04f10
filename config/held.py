"""Data held in each server process under a version kept in the shared cache.

Reference data read on every request (topics, areas, which team a topic goes to) changes
a few times a year. A process may hold it until its version changes: the version is a
random token in ``caches["default"]`` (Redis with ``REDIS_URL``, else the database cache
table), so every process sees a change on its next read. Reading the token is a cache
read: no SQL with Redis, one ``SELECT`` with the database cache, once per request. A
missing token (a new cache, the key evicted) is a new version, never the old data.
"""

import uuid
from contextvars import ContextVar
from typing import Any

from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import transaction

# The versions read during the current request (None outside one): a page that asks for
# several held lists, or for one several times, reads each version once (issue 12: with
# the database cache every read was a ``SELECT``). A request sees one version of each.
_this_request: ContextVar[dict[str, str] | None] = ContextVar("held_versions", default=None)


def version(key: str) -> str:
    """The current version under ``key`` (read once per request)."""
    seen = _this_request.get()
    if seen is not None and key in seen:
        return seen[key]
    cache = caches["default"]
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        token = cache.get(key)
    if seen is not None:
        seen[key] = str(token)
    return str(token)


def renew(key: str) -> None:
    """A new version under ``key``, now and again after the commit: a process that reads
    between the two (the rows from before the commit under the first token) reads again
    after the second. The request that renews it sees the new version at once."""

    def new_token() -> None:
        token = uuid.uuid4().hex
        caches["default"].set(key, token, timeout=None)
        seen = _this_request.get()
        if seen is not None:
            seen[key] = token

    new_token()
    transaction.on_commit(new_token)


def _request_began(**kwargs: Any) -> None:
    _this_request.set({})


def _request_ended(**kwargs: Any) -> None:
    _this_request.set(None)


request_started.connect(_request_began, dispatch_uid="config.held.request_began")
request_finished.connect(_request_ended, dispatch_uid="config.held.request_ended")
