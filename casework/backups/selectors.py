"""What a backup records and a restore checks: row counts, migration state, media checksums.

Each reads the database given (``connection``), not only ``default``, so a restore can check
the database it wrote to. Nothing here reads a row's contents: counts and file digests only.
"""

import hashlib
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

CHUNK = 1024 * 1024


def model_tables() -> dict[str, str]:
    """Every installed model's table (many-to-many tables too), by model label."""
    tables: dict[str, str] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and meta.db_table not in tables.values():
            tables[meta.label] = meta.db_table
    return dict(sorted(tables.items()))


def row_counts(*, connection: BaseDatabaseWrapper) -> dict[str, int]:
    """Rows per model label, counted in SQL; a model whose table is missing counts -1."""
    existing = set(connection.introspection.table_names())
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for label, table in model_tables().items():
            if table not in existing:
                counts[label] = -1
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608  # a model's table name, quoted
            counts[label] = cursor.fetchone()[0]
    return counts


def migration_state(*, connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The latest applied migration of each app (by name: migrations are numbered)."""
    table = MigrationRecorder.Migration._meta.db_table
    if table not in connection.introspection.table_names():
        return {}
    latest: dict[str, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {connection.ops.quote_name(table)}")  # noqa: S608  # Django's own table
        for app_label, name in cursor.fetchall():
            if name > latest.get(app_label, ""):
                latest[app_label] = name
    return dict(sorted(latest.items()))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root`` (symbolic links are not followed)."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def media_checksums(*, root: Path) -> dict[str, str]:
    """SHA-256 of every media file, by its path relative to ``root`` (POSIX separators)."""
    return {path.relative_to(root).as_posix(): file_sha256(path) for path in media_files(root)}
