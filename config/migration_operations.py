"""Migration operations that let an old and a new app node run side by side.

A plain ``CREATE INDEX`` holds a lock that blocks every write to the table until the
index is built: minutes for the enquiry table of a large desk, while the nodes still
on the old release go on taking enquiries. ``CREATE INDEX CONCURRENTLY`` builds it
without blocking writes (docs/deploy.md, "Upgrades without downtime").
"""

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations import AddIndex


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL, a plain ``CREATE INDEX`` elsewhere.

    SQLite has no concurrent build (and a desk on SQLite runs one node). The migration
    that uses it must say ``atomic = False``: PostgreSQL refuses a concurrent build
    inside a transaction. A build that fails half-way leaves an INVALID index; the
    operation drops it before trying again, so running the migration again is safe.
    """

    def database_forwards(self, app_label: str, schema_editor: Any, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = %s AND NOT i.indisvalid",
                [self.index.name],
            )
            if cursor.fetchone():
                schema_editor.execute(
                    f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(self.index.name)}"
                )
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
            return
        super().database_backwards(app_label, schema_editor, from_state, to_state)
