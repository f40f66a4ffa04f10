"""Backups of the desk: the database, the media files and a manifest (``backup_make``);
checking a backup without restoring it (``backup_verify``); restoring one into an empty (or,
when told, replaced) database and MEDIA_ROOT, then proving the result (``backup_restore``).

How to run them, and what a backup does not hold: docs/backups.md. Nothing here reads or
prints a row's contents: counts, totals, and media paths (every ``upload_to`` makes a
generated name, so a path names no one).
"""

import json
import shutil
import sqlite3
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

from casework.backups import archive, databases, selectors

MANIFEST = "manifest.json"
FORMAT = 1
SHOWN = 20  # differences listed by name; the rest are counted


class BackupError(Exception):
    """A backup that cannot be made, checked or restored; ``differences`` name what differs."""

    def __init__(self, message: str, differences: list[str] | None = None) -> None:
        self.differences = differences or []
        lines = [f"- {d}" for d in self.differences[:SHOWN]]
        if len(self.differences) > SHOWN:
            lines.append(f"- and {len(self.differences) - SHOWN} more")
        super().__init__("\n".join([message, *lines]))


@dataclass(frozen=True)
class BackupSummary:
    folder: Path
    vendor: str
    tables: int
    rows: int
    media_files: int
    media_bytes: int


def backup_summary(*, folder: Path, manifest: dict[str, Any]) -> BackupSummary:
    """The totals of a backup, from its manifest (what the commands print)."""
    return BackupSummary(
        folder=folder,
        vendor=manifest["database"]["vendor"],
        tables=len(manifest["row_counts"]),
        rows=sum(n for n in manifest["row_counts"].values() if n > 0),
        media_files=len(manifest["media"]["files"]),
        media_bytes=manifest["media"]["bytes"],
    )


def backup_make(*, to: Path, now: datetime | None = None) -> BackupSummary:
    """Write ``<to>/desk-backup-<UTC time>/`` while the desk runs: the database as one
    consistent snapshot, then MEDIA_ROOT (in that order: a letter's file is written before
    its row commits, so every file the snapshot's rows name is there), then the manifest.
    The folder gets its name only when complete."""
    settings_dict = databases.settings_for(None)
    try:
        vendor = databases.vendor_of(settings_dict)
    except databases.DatabaseToolError as error:
        raise BackupError(str(error)) from error
    now = now or timezone.now()
    folder = to / f"desk-backup-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    if folder.exists():
        raise BackupError(f"{folder} already exists.")
    partial = to / f".{folder.name}.partial"
    partial.mkdir(parents=True)
    try:
        database_file = partial / databases.FILES[vendor]
        counts, migrations = _dump(vendor, settings_dict, database_file)
        checksums, media_bytes = archive.media_archive(
            root=Path(settings.MEDIA_ROOT), target=partial / archive.MEDIA_FILE
        )
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": {
                "vendor": vendor,
                "file": database_file.name,
                "sha256": selectors.file_sha256(database_file),
                "bytes": database_file.stat().st_size,
            },
            "migrations": migrations,
            "row_counts": counts,
            "media": {"file": archive.MEDIA_FILE, "bytes": media_bytes, "files": checksums},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        partial.rename(folder)
    except databases.DatabaseToolError as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(str(error)) from error
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return backup_summary(folder=folder, manifest=manifest)


def _dump(
    vendor: str, settings_dict: dict[str, Any], target: Path
) -> tuple[dict[str, int], dict[str, str]]:
    """Copy the database into ``target``; returns the row counts and migration state of
    exactly what was copied."""
    if vendor == "sqlite":
        # Django's own connection: it also reaches a test's in-memory database.
        connection = connections["default"]
        if connection.in_atomic_block:
            # Backing up from inside a transaction would wait on its own lock for ever.
            raise BackupError("A SQLite backup reads committed data: run it outside a transaction.")
        connection.ensure_connection()
        databases.sqlite_backup(connection.connection, target)
        with databases.opened(databases.sqlite_settings(target)) as copy:
            return selectors.row_counts(connection=copy), selectors.migration_state(connection=copy)
    # PostgreSQL: count inside the transaction whose snapshot pg_dump is given, so the
    # manifest describes the dump even while the desk writes.
    with databases.opened(settings_dict) as source, source.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            databases.pg_dump(settings_dict, target, snapshot=cursor.fetchone()[0])
            return selectors.row_counts(connection=source), selectors.migration_state(
                connection=source
            )
        finally:
            cursor.execute("COMMIT")


def _compare(kind: str, expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    return [
        f"{kind} {key}: {expected.get(key, 'absent')} in the backup, "
        f"{actual.get(key, 'absent')} now"
        for key in sorted(expected.keys() | actual.keys())
        if expected.get(key) != actual.get(key)
    ]


def _compare_files(expected: dict[str, str], actual: dict[str, str], where: str) -> list[str]:
    differences = []
    for name in sorted(expected.keys() | actual.keys()):
        if name not in actual:
            differences.append(f"media file {name}: missing from {where}")
        elif name not in expected:
            differences.append(f"media file {name}: in {where} but not in the manifest")
        elif expected[name] != actual[name]:
            differences.append(f"media file {name}: checksum differs from the manifest")
    return differences


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder} has no readable {MANIFEST}: {error}.") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: manifest format {manifest.get('format')} is not {FORMAT}.")
    return manifest


def _sqlite_differences(manifest: dict[str, Any], database_file: Path) -> list[str]:
    try:
        with databases.opened(databases.sqlite_settings(database_file)) as copy:
            counts = selectors.row_counts(connection=copy)
            migrations = selectors.migration_state(connection=copy)
    except sqlite3.DatabaseError as error:
        return [f"database file cannot be read: {error}"]
    return _compare("rows of", manifest["row_counts"], counts) + _compare(
        "latest migration of", manifest["migrations"], migrations
    )


def backup_verify(*, folder: Path) -> dict[str, Any]:
    """Check a backup without restoring it: the manifest reads, the database file is there
    with the manifest's checksum (SQLite: and holds the manifest's row counts; PostgreSQL:
    ``pg_restore --list`` reads it), and every file in the media archive matches the
    manifest's checksum, none missing or extra. Returns the manifest."""
    manifest = _manifest(folder)
    differences: list[str] = []
    database = manifest["database"]
    database_file = folder / database["file"]
    if not database_file.is_file():
        differences.append(f"database file {database['file']}: missing")
    elif selectors.file_sha256(database_file) != database["sha256"]:
        differences.append(f"database file {database['file']}: checksum differs")
    elif database["vendor"] == "sqlite":
        differences += _sqlite_differences(manifest, database_file)
    else:
        try:
            databases.pg_dump_readable(database_file)
        except databases.DatabaseToolError as error:
            differences.append(f"database file {database['file']}: {error}")
    try:
        inside = archive.archive_checksums(folder / manifest["media"]["file"])
    except (OSError, tarfile.TarError) as error:
        differences.append(f"media archive cannot be read: {error}")
    else:
        differences += _compare_files(manifest["media"]["files"], inside, "the archive")
    if differences:
        raise BackupError(f"The backup {folder} does not match its manifest:", differences)
    return manifest


def _target_tables(settings_dict: dict[str, Any], vendor: str) -> int:
    """How many tables the target database has (0 for a SQLite file not yet made)."""
    if vendor == "sqlite" and not Path(settings_dict["NAME"]).exists():
        return 0
    with databases.opened(settings_dict) as target:
        return len(target.introspection.table_names())


def _refuse_unless_empty(
    settings_dict: dict[str, Any], vendor: str, media_root: Path, *, replace: bool
) -> None:
    if replace:
        return
    tables = _target_tables(settings_dict, vendor)
    if tables:
        raise BackupError(
            f"The target database already has {tables} tables. Restoring replaces them: "
            "give --yes to do so."
        )
    files = sum(1 for _ in selectors.media_files(media_root))
    if files:
        raise BackupError(
            f"MEDIA_ROOT already holds {files} files. Restoring writes over them: "
            "give --yes to do so."
        )


def backup_restore(
    *,
    folder: Path,
    database_url: str | None = None,
    media_root: Path | None = None,
    replace: bool = False,
) -> BackupSummary:
    """Restore a checked backup into the configured database and MEDIA_ROOT (or those
    given), refusing a target that holds data unless ``replace``; then count the rows per
    model and checksum every media file against the manifest, raising ``BackupError``
    naming each difference. Stop the desk and its workers first (docs/backups.md)."""
    manifest = backup_verify(folder=folder)
    settings_dict = databases.settings_for(database_url)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    try:
        vendor = databases.vendor_of(settings_dict)
    except databases.DatabaseToolError as error:
        raise BackupError(str(error)) from error
    if vendor != manifest["database"]["vendor"]:
        raise BackupError(
            f"The backup is of a {manifest['database']['vendor']} database; the target is {vendor}."
        )
    _refuse_unless_empty(settings_dict, vendor, media_root, replace=replace)
    if database_url is None:
        connections["default"].close()
    database_file = folder / manifest["database"]["file"]
    try:
        if vendor == "sqlite":
            databases.sqlite_restore(database_file, Path(settings_dict["NAME"]))
        else:
            databases.pg_restore(settings_dict, database_file)
    except databases.DatabaseToolError as error:
        raise BackupError(str(error)) from error
    archive.media_extract(archive_path=folder / manifest["media"]["file"], root=media_root)
    _check_restored(manifest, settings_dict, media_root)
    return backup_summary(folder=folder, manifest=manifest)


def _check_restored(manifest: dict[str, Any], settings_dict: dict[str, Any], root: Path) -> None:
    with databases.opened(settings_dict) as target:
        counts = selectors.row_counts(connection=target)
        migrations = selectors.migration_state(connection=target)
    differences = _compare("rows of", manifest["row_counts"], counts)
    differences += _compare("latest migration of", manifest["migrations"], migrations)
    expected = manifest["media"]["files"]
    restored = {
        name: selectors.file_sha256(root / name) for name in expected if (root / name).is_file()
    }
    differences += _compare_files(expected, restored, "MEDIA_ROOT")
    if differences:
        raise BackupError("The restored data differs from the backup's manifest:", differences)
