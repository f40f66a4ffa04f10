"""One search document per enquiry, for desk search on PostgreSQL (issue 15).

Its words are the enquiry's own (subject, message, asset), its contact's and
organisation's names, and the words of its updates and internal notes, in one stored
``tsvector`` with one GIN index; beside them the columns desk search orders and scopes
by (received date, adviser, current team), so that one index answers one query.

The rows are derived data kept by the database itself: triggers installed by migration
``casework 0031`` rewrite an enquiry's document in the same transaction as any change
that moves it (the enquiry, an update, a note, an assignment, a contact's or an
organisation's name: a rename rewrites all that organisation's enquiries in one
statement), whichever service or bulk update made it. ``rebuild_search_documents``
fills them after the migration and rebuilds them on demand. SQLite keeps the table but
not the triggers: desk search there reads the records themselves
(``casework.search.selectors``).
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class EnquirySearchDocument(models.Model):
    """Derived from the enquiry and what hangs off it; never written by Python code
    except through ``casework.search.services.search_documents_rebuild``."""

    # The foreign key is the migration's, with ON DELETE CASCADE (PostgreSQL): a trigger
    # may write the document again while Django deletes the enquiry's updates and notes,
    # just before the enquiry itself, and the database then removes it with the enquiry.
    # (``DB_CASCADE`` here is refused: the enquiry's other relations cascade in Python.)
    enquiry = models.OneToOneField(
        "enquiries.Enquiry",
        primary_key=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )
    document = SearchVectorField(null=True)
    # Copies of the enquiry's assignee and its current assignment's team: an adviser's
    # visibility (``policies.visible_enquiries_and_documents_q``) read beside the words. Not
    # foreign keys: a copy must never stop a user or team from being changed. Their
    # (default) indexes let an adviser's search AND the GIN index's matches with their
    # own and their teams' rows (docs/performance.md, "Desk search documents").
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    team = models.ForeignKey(
        "casework.Team",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    received_at = models.DateTimeField()

    class Meta:
        # The GIN index on ``document`` is made by the migration, on PostgreSQL only. With
        # the date index beside it the planner has both ways to the newest matches: walk
        # the dates checking each document (a common word: the first few hundred rows
        # hold 200 matches) or gather the matches from the GIN index and sort them (a
        # rare word), chosen from the document's statistics.
        indexes = [models.Index(fields=["-received_at"], name="enquiry_search_received_idx")]

    def __str__(self) -> str:
        return f"search document of {self.enquiry_id}"
