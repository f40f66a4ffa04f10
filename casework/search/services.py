"""Desk search's stored documents (``casework.models.search``): rebuilding them.

The triggers of migration ``casework 0031`` keep each document in step with its enquiry
in the same transaction as the change; this fills them after that migration on a large
desk, and rebuilds them if the way a document is made ever changes.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from casework.models import EnquirySearchDocument
from enquiries.models import Enquiry


@dataclass(frozen=True)
class RebuiltBatch:
    last_id: int  # resume after this one (``--after-id``)
    written: int


def search_documents_supported() -> bool:
    """Only PostgreSQL keeps documents; SQLite searches the records themselves."""
    return connection.vendor == "postgresql"


def search_documents_missing() -> int:
    """Enquiries without a document yet (none once a rebuild has finished)."""
    return Enquiry.objects.exclude(
        pk__in=EnquirySearchDocument.objects.values("enquiry_id")
    ).count()


def search_documents_rebuild(
    *, after_id: int = 0, batch_size: int = 2_000, missing_only: bool = False
) -> Iterator[RebuiltBatch]:
    """Write the documents of every enquiry (or only of those without one), in primary-key
    order, ``batch_size`` at a time, each batch its own short transaction: the table is
    never locked for long, live changes go on beside it (their triggers write the same
    rows; a batch that meets one rewrites it from the committed data), and a run that
    stops is resumed from the last batch it reported. Yields each batch as it commits."""
    if not search_documents_supported():
        return
    while True:
        ids = Enquiry.objects.filter(pk__gt=after_id).order_by("pk")
        if missing_only:
            ids = ids.exclude(pk__in=EnquirySearchDocument.objects.values("enquiry_id"))
        batch = list(ids.values_list("pk", flat=True)[:batch_size])
        if not batch:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT casework_search_documents_refresh(%s::bigint[], true)", [batch])
        after_id = batch[-1]
        yield RebuiltBatch(last_id=after_id, written=len(batch))
