"""A stamp that changes whenever the reference lists change (topics, council areas and
their regions), for markup built from those lists and kept between requests, such as the
public form's fields (``enquiries.intake.fragments``).

The stamp lives in the shared cache, so every server process sees a change at once; it
is replaced only after the change commits, so markup stored under a new stamp was never
built from the old lists. A stamp lost from the cache (evicted, or a cache cleared) is
simply a new one: what was kept is built again.
"""

import secrets

from django.core.cache import cache
from django.db import transaction

KEY = "knowledgebase:reference-version"


def reference_version() -> str:
    version = cache.get(KEY)
    if version is None:
        version = secrets.token_hex(8)
        if not cache.add(KEY, version, timeout=None):  # another process set one first
            version = cache.get(KEY) or version
    return version


def reference_changed(**kwargs: object) -> None:
    """A receiver for the reference models' post_save, post_delete and m2m signals."""
    transaction.on_commit(lambda: cache.set(KEY, secrets.token_hex(8), timeout=None))
