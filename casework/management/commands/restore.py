"""Restore a backup made by ``backup --to`` and prove it: docs/backups.md."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casework.backups import services


class Command(BaseCommand):
    help = (
        "Restore a backup folder into the configured database and MEDIA_ROOT, then check "
        "every model's row count and every media file's SHA-256 against its manifest. "
        "Refuses a database or MEDIA_ROOT that already holds data unless --yes. Stop the "
        "desk and its workers first. Prints counts and totals only."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--from", dest="folder", type=Path, required=True, metavar="DIR")
        parser.add_argument(
            "--yes", action="store_true", help="Replace a database or MEDIA_ROOT holding data."
        )
        parser.add_argument(
            "--database-url",
            help="Restore into this database instead of the configured one (leave the "
            "password out: PGPASSWORD or ~/.pgpass supply it).",
        )
        parser.add_argument(
            "--media-root", type=Path, help="Restore media here instead of MEDIA_ROOT."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = services.backup_restore(
                folder=options["folder"],
                database_url=options["database_url"],
                media_root=options["media_root"],
                replace=options["yes"],
            )
        except services.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {summary.folder}: {summary.rows} rows in {summary.tables} tables and "
            f"{summary.media_files} media files ({summary.media_bytes} bytes), each checked "
            "against the manifest."
        )
