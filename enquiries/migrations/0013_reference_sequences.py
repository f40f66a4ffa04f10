"""On PostgreSQL, references are numbered by a sequence per year instead of a counter row
whose lock every submission waited for (``enquiries.intake.services.next_reference``).

``enquiries_next_reference_number(year)`` returns the year's next number in one statement:
``nextval`` of ``enquiries_reference_<year>``, creating that sequence on the year's first
reference, to start after the higher of the year's ``ReferenceCounter`` and its highest
reference already issued (so numbering carries on from the counter). SQLite keeps the counter.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION enquiries_next_reference_number(for_year integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    sequence_name text := format('enquiries_reference_%s', for_year);
    first_number bigint;
BEGIN
    BEGIN
        RETURN nextval(sequence_name::regclass);
    EXCEPTION WHEN undefined_table THEN
        NULL;  -- the year's first reference: create its sequence below
    END;
    SELECT GREATEST(
        COALESCE((SELECT c.last_value FROM enquiries_referencecounter c WHERE c.year = for_year), 0),
        COALESCE((SELECT max(substring(e.reference FROM 9)::bigint) FROM enquiries_enquiry e
                  WHERE e.reference LIKE format('CR-%s-%%', for_year)), 0)
    ) + 1 INTO first_number;
    BEGIN
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I START WITH %s', sequence_name, first_number);
    EXCEPTION WHEN unique_violation THEN
        NULL;  -- a concurrent first submission of the year created it
    END;
    RETURN nextval(sequence_name::regclass);
END
$$;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)  # the body has % signs of its own


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS enquiries_next_reference_number(integer)")


class Migration(migrations.Migration):
    dependencies = [("enquiries", "0012_report_received_covering_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
