"""One search document per enquiry (issue 15; ``casework.models.search``).

On PostgreSQL: the table, its GIN index, the function that computes documents and the
triggers that keep them in the same transaction as every change that moves them. On
SQLite only the table (unused there: desk search reads the records themselves).

Existing enquiries: filled here when there are at most ``FILL_HERE`` (a test database,
a new or small desk); a larger desk runs ``rebuild_search_documents --missing`` after
migrating (batched, resumable; docs/operations.md "Desk search documents"). The
triggers keep every document written since up to date either way.
"""

import django.db.models.deletion
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations, models

FILL_HERE = 50_000
# The words of an enquiry: its own, its people's and group's names, its updates' and
# internal notes' (newest first), capped so that no document can pass PostgreSQL's
# 1 MB tsvector limit (a failing trigger would refuse the update that moved it).
FUNCTIONS = """
CREATE OR REPLACE FUNCTION casework_search_document_rows(ids bigint[])
RETURNS TABLE (row_enquiry_id bigint, row_document tsvector, row_assigned_to_id integer,
               row_team_id bigint, row_received_at timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT e.id,
         to_tsvector('english', left(concat_ws(' ',
             e.subject, e.asset_name, c.name, o.name, e.message,
             (SELECT string_agg(m.body, ' ' ORDER BY m.id DESC)
                FROM enquiries_message m WHERE m.enquiry_id = e.id),
             (SELECT string_agg(n.body, ' ' ORDER BY n.id DESC)
                FROM casework_note n WHERE n.enquiry_id = e.id)), 400000)),
         e.assigned_to_id,
         (SELECT a.team_id FROM casework_assignment a
           WHERE a.enquiry_id = e.id AND a.is_current LIMIT 1),
         e.received_at
    FROM enquiries_enquiry e
    LEFT JOIN enquiries_contact c ON c.id = e.contact_id
    LEFT JOIN enquiries_organisation o ON o.id = e.organisation_id
   WHERE e.id = ANY(ids)
$$;

-- overwrite: what the triggers do (the change's own transaction sees the newest data).
-- Without, only enquiries with no document yet are written: the backfill, which so never
-- replaces a document a trigger wrote after the backfill's snapshot was taken.
CREATE OR REPLACE FUNCTION casework_search_documents_refresh(ids bigint[], overwrite boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF overwrite THEN
    INSERT INTO casework_enquirysearchdocument
           (enquiry_id, document, assigned_to_id, team_id, received_at)
    SELECT * FROM casework_search_document_rows(ids)
    ON CONFLICT (enquiry_id) DO UPDATE SET
      document = EXCLUDED.document, assigned_to_id = EXCLUDED.assigned_to_id,
      team_id = EXCLUDED.team_id, received_at = EXCLUDED.received_at;
  ELSE
    INSERT INTO casework_enquirysearchdocument
           (enquiry_id, document, assigned_to_id, team_id, received_at)
    SELECT * FROM casework_search_document_rows(ids)
    ON CONFLICT (enquiry_id) DO NOTHING;
  END IF;
END $$;

CREATE OR REPLACE FUNCTION casework_search_enquiry_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM casework_search_documents_refresh(ARRAY[NEW.id]::bigint[], true);
  RETURN NULL;
END $$;

-- An update, a note or an assignment: its enquiry's document (both, if it moved).
CREATE OR REPLACE FUNCTION casework_search_part_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM casework_search_documents_refresh(ARRAY[NEW.enquiry_id]::bigint[], true);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM casework_search_documents_refresh(ARRAY[OLD.enquiry_id]::bigint[], true);
  ELSE
    PERFORM casework_search_documents_refresh(
      ARRAY[OLD.enquiry_id, NEW.enquiry_id]::bigint[], true);
  END IF;
  RETURN NULL;
END $$;

-- A rename: every enquiry of that contact or organisation, in one statement.
CREATE OR REPLACE FUNCTION casework_search_contact_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM casework_search_documents_refresh(
    ARRAY(SELECT id FROM enquiries_enquiry WHERE contact_id = NEW.id), true);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION casework_search_organisation_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM casework_search_documents_refresh(
    ARRAY(SELECT id FROM enquiries_enquiry WHERE organisation_id = NEW.id), true);
  RETURN NULL;
END $$;
"""
TRIGGERS = [
    "ALTER TABLE casework_enquirysearchdocument ADD CONSTRAINT enquiry_search_document_enquiry "
    "FOREIGN KEY (enquiry_id) REFERENCES enquiries_enquiry (id) ON DELETE CASCADE "
    "DEFERRABLE INITIALLY DEFERRED",
    "CREATE INDEX enquiry_search_document_gin ON casework_enquirysearchdocument "
    "USING gin (document)",
    "CREATE TRIGGER casework_search_enquiry_insert AFTER INSERT ON enquiries_enquiry "
    "FOR EACH ROW EXECUTE FUNCTION casework_search_enquiry_changed()",
    "CREATE TRIGGER casework_search_enquiry_update AFTER UPDATE OF subject, message, "
    "asset_name, contact_id, organisation_id, assigned_to_id, received_at "
    "ON enquiries_enquiry FOR EACH ROW WHEN ("
    "OLD.subject IS DISTINCT FROM NEW.subject OR OLD.message IS DISTINCT FROM NEW.message "
    "OR OLD.asset_name IS DISTINCT FROM NEW.asset_name "
    "OR OLD.contact_id IS DISTINCT FROM NEW.contact_id "
    "OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id "
    "OR OLD.assigned_to_id IS DISTINCT FROM NEW.assigned_to_id "
    "OR OLD.received_at IS DISTINCT FROM NEW.received_at) "
    "EXECUTE FUNCTION casework_search_enquiry_changed()",
    "CREATE TRIGGER casework_search_message AFTER INSERT OR DELETE OR UPDATE OF body, "
    "enquiry_id ON enquiries_message FOR EACH ROW EXECUTE FUNCTION casework_search_part_changed()",
    "CREATE TRIGGER casework_search_note AFTER INSERT OR DELETE OR UPDATE OF body, "
    "enquiry_id ON casework_note FOR EACH ROW EXECUTE FUNCTION casework_search_part_changed()",
    "CREATE TRIGGER casework_search_assignment AFTER INSERT OR DELETE OR UPDATE OF is_current, "
    "team_id, enquiry_id ON casework_assignment "
    "FOR EACH ROW EXECUTE FUNCTION casework_search_part_changed()",
    "CREATE TRIGGER casework_search_contact AFTER UPDATE OF name ON enquiries_contact "
    "FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) "
    "EXECUTE FUNCTION casework_search_contact_renamed()",
    "CREATE TRIGGER casework_search_organisation AFTER UPDATE OF name ON enquiries_organisation "
    "FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) "
    "EXECUTE FUNCTION casework_search_organisation_renamed()",
]
REVERSE = [
    "DROP TRIGGER IF EXISTS casework_search_organisation ON enquiries_organisation",
    "DROP TRIGGER IF EXISTS casework_search_contact ON enquiries_contact",
    "DROP TRIGGER IF EXISTS casework_search_assignment ON casework_assignment",
    "DROP TRIGGER IF EXISTS casework_search_note ON casework_note",
    "DROP TRIGGER IF EXISTS casework_search_message ON enquiries_message",
    "DROP TRIGGER IF EXISTS casework_search_enquiry_update ON enquiries_enquiry",
    "DROP TRIGGER IF EXISTS casework_search_enquiry_insert ON enquiries_enquiry",
    "DROP FUNCTION IF EXISTS casework_search_organisation_renamed()",
    "DROP FUNCTION IF EXISTS casework_search_contact_renamed()",
    "DROP FUNCTION IF EXISTS casework_search_part_changed()",
    "DROP FUNCTION IF EXISTS casework_search_enquiry_changed()",
    "DROP FUNCTION IF EXISTS casework_search_documents_refresh(bigint[], boolean)",
    "DROP FUNCTION IF EXISTS casework_search_document_rows(bigint[])",
    "DROP INDEX IF EXISTS enquiry_search_document_gin",
    "ALTER TABLE casework_enquirysearchdocument "
    "DROP CONSTRAINT IF EXISTS enquiry_search_document_enquiry",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)
    for statement in TRIGGERS:
        schema_editor.execute(statement)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM enquiries_enquiry")
        if cursor.fetchone()[0] <= FILL_HERE:
            cursor.execute(
                "SELECT casework_search_documents_refresh("
                "ARRAY(SELECT id FROM enquiries_enquiry), true)"
            )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in REVERSE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0029_key_date_councils"),
        ("enquiries", "0026_deadline_extended_event"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EnquirySearchDocument",
            fields=[
                (
                    "enquiry",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="enquiries.enquiry",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField(null=True)),
                ("received_at", models.DateTimeField()),
                (
                    "assigned_to",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="casework.team",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["-received_at"], name="enquiry_search_received_idx")
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
