"""Desk search's stored words: rebuilding them.

PostgreSQL keeps a search document per enquiry (``casework.models.search``), SQLite an
FTS5 row (``casework.search.fts5``). Triggers keep each in step with its enquiry in the
same transaction as the change; this fills the documents after migration ``casework
0031`` on a large desk, and rewrites either if the way they are made ever changes.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q

from casework.models import EnquirySearchDocument
from casework.search import fts5
from enquiries.models import Enquiry


@dataclass(frozen=True)
class RebuiltBatch:
    last_id: int  # resume after this one (``--after-id``)
    written: int


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _without_document() -> Q:
    if not _postgresql():
        return ~Q(pk__in=fts5.written_ids())
    # NOT EXISTS, an anti-join on the documents' key: ``exclude(pk__in=...)`` is NOT IN,
    # which the planner runs row by row once the documents outgrow its hash (minutes at
    # 100,000 before the new table's first ANALYZE).
    return ~Q(Exists(EnquirySearchDocument.objects.filter(enquiry=OuterRef("pk"))))


def search_documents_missing() -> int:
    """Enquiries without a document yet (none once a rebuild has finished)."""
    return Enquiry.objects.filter(_without_document()).count()


def search_documents_rebuild(
    *, after_id: int = 0, batch_size: int = 2_000, missing_only: bool = False
) -> Iterator[RebuiltBatch]:
    """Write the documents of every enquiry (or only of those without one), in primary-key
    order, ``batch_size`` at a time, each batch its own short transaction: the table is
    never locked for long and live changes go on beside it. A run that stops is resumed
    from the last batch it reported. Yields each batch as it commits.

    ``missing_only`` (the backfill after the migration) never replaces a document: one
    that a live change's trigger wrote meanwhile is newer than the batch's snapshot. A
    full rebuild replaces them all, so a change committed while its batch runs can leave
    that one enquiry's older words until it next changes (run it at a quiet time)."""
    while True:
        ids = Enquiry.objects.filter(pk__gt=after_id).order_by("pk")
        if missing_only:
            ids = ids.filter(_without_document())
        batch = list(ids.values_list("pk", flat=True)[:batch_size])
        if not batch:
            return
        with transaction.atomic():
            if _postgresql():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT casework_search_documents_refresh(%s::bigint[], %s)",
                        [batch, not missing_only],
                    )
            else:
                fts5.rows_rewrite(ids=batch)
        after_id = batch[-1]
        yield RebuiltBatch(last_id=after_id, written=len(batch))


def search_documents_analyse() -> None:
    """Fresh statistics for the documents after writing many (PostgreSQL): without them
    the planner judges how common a word is from the old ones, and may sort every match
    of a common word instead of walking the date index (docs/performance.md)."""
    if _postgresql():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE casework_enquirysearchdocument")
