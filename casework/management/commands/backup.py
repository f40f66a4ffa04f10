"""Back up the desk (nightly, from cron or a timer), or check a backup: docs/backups.md."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casework.backups import services


class Command(BaseCommand):
    help = (
        "--to DIR: write a backup folder (desk-backup-<UTC time>) into DIR: the database "
        "(SQLite's online backup, or pg_dump in the custom format), MEDIA_ROOT as a tar "
        "archive, and manifest.json (migrations, row counts per model, each media file's "
        "SHA-256). Safe while the desk runs. --verify DIR: check such a folder against its "
        "manifest without restoring it. Prints counts and totals only."
    )

    def add_arguments(self, parser: Any) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--to", type=Path, metavar="DIR", help="Where to write the backup.")
        action.add_argument("--verify", type=Path, metavar="DIR", help="A backup folder.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["verify"]:
                folder = options["verify"]
                summary = services.backup_summary(
                    folder=folder, manifest=services.backup_verify(folder=folder)
                )
                verb = "is intact"
            else:
                summary = services.backup_make(to=options["to"])
                verb = "written"
        except services.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backup {summary.folder} {verb}: {summary.vendor} database, {summary.rows} rows "
            f"in {summary.tables} tables; {summary.media_files} media files "
            f"({summary.media_bytes} bytes)."
        )
