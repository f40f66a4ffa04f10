"""Inserting a row once per unique key, in one statement and without a savepoint.

``get_or_create`` costs a read, a savepoint, the insert and its release (six statements
inside a transaction). Where a unique key already says "once" (an email owed once per
``dedupe_key``), ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` says it in one: the row
comes back when it was written, nothing when the key was there already (or a twin wrote
it a moment before: the unique index decides, in the database). SQLite (3.35+) and
PostgreSQL both speak it; another database takes the savepoint path.
"""

from django.db import IntegrityError, connection, transaction
from django.db.models import Model


def insert_unless_present(obj: Model, *, unique_field: str) -> bool:
    """Write ``obj`` unless a row with its ``unique_field`` value exists; True (and
    ``obj.pk`` set) when it was written. Call inside the caller's transaction."""
    meta = obj._meta
    if not (
        connection.vendor in {"postgresql", "sqlite"}
        and connection.features.can_return_columns_from_insert
    ):
        try:
            with transaction.atomic():
                obj.save(force_insert=True)
        except IntegrityError:
            return False
        return True
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    conflict = quote(str(getattr(meta.get_field(unique_field), "column", unique_field)))
    table, key = quote(meta.db_table), quote(str(meta.pk.column if meta.pk else "id"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608 - our model's own table and columns
            f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {key}",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    return True
