"""The report covering index is built without blocking writes on PostgreSQL, and its
operation recovers from a build that failed half-way (docs/deploy.md)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from config.migration_operations import AddIndexConcurrentlyOnPostgres

MIGRATION = ("enquiries", "0012_report_received_covering_index")
INDEX = "enquiry_report_received_idx"


def sql_of_migration(capsys) -> str:
    call_command("sqlmigrate", *MIGRATION)
    return capsys.readouterr().out


@pytest.mark.django_db
def test_the_covering_index_migration_runs_outside_a_transaction():
    migration = MigrationLoader(connection).get_migration(*MIGRATION)
    assert migration.atomic is False
    assert isinstance(migration.operations[0], AddIndexConcurrentlyOnPostgres)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_covering_index_is_built_concurrently_on_postgres_and_plainly_elsewhere(capsys):
    sql = sql_of_migration(capsys)
    assert f'"{INDEX}"' in sql
    if connection.vendor == "postgresql":
        assert "CREATE INDEX CONCURRENTLY" in sql
    else:
        assert "CREATE INDEX" in sql
        assert "CONCURRENTLY" not in sql


def index_state() -> tuple[bool, bool] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid, i.indisready FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
            [INDEX],
        )
        return cursor.fetchone()


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="an INVALID index, left by a failed concurrent build, exists only on PostgreSQL",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_invalid_index_left_by_a_failed_build_is_replaced():
    loader = MigrationLoader(connection)
    migration = loader.get_migration(*MIGRATION)
    before = loader.project_state((MIGRATION[0], "0011_contact_access"), at_end=False)
    after = loader.project_state(MIGRATION, at_end=True)
    operation = migration.operations[0]
    # What a killed CREATE INDEX CONCURRENTLY leaves behind: the index, marked invalid.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false "
            "WHERE indexrelid = (SELECT oid FROM pg_class WHERE relname = %s)",
            [INDEX],
        )
    assert index_state() == (False, True)

    with connection.schema_editor(atomic=False) as editor:
        operation.database_forwards(MIGRATION[0], editor, before, after)
    assert index_state() == (True, True)

    with connection.schema_editor(atomic=False) as editor:
        operation.database_backwards(MIGRATION[0], editor, after, before)
    assert index_state() is None
    with connection.schema_editor(atomic=False) as editor:
        operation.database_forwards(MIGRATION[0], editor, before, after)
    assert index_state() == (True, True)
