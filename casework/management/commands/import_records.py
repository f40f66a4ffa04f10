"""Import a service's earlier records from a CSV or XLSX file (docs/import.md)."""

import csv
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from casework.imports import selectors, services
from casework.imports.columns import FIELDS


class Command(BaseCommand):
    help = (
        "Check a CSV or XLSX file of earlier records and, with --commit, import it. Without "
        "--commit nothing is written but the run: each row's verdict (new, already imported, "
        "error with its column and reason) and the counts. Importing the same file again "
        "changes nothing. Columns are matched to fields by their headings (docs/import.md), "
        "or by the source's saved mapping, or by --column FIELD=HEADING."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="Where the records come from.")
        parser.add_argument(
            "--user", required=True, help="The manager the import is recorded against."
        )
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="FIELD=HEADING",
            help="Read FIELD from the column HEADING. Fields: " + ", ".join(f.name for f in FIELDS),
        )
        parser.add_argument("--channel", help="The channel of rows whose file says none.")
        parser.add_argument("--commit", action="store_true", help="Import the rows.")
        parser.add_argument("--report", type=Path, help="Write every row's verdict to this CSV.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["user"]).first()
        if actor is None:
            raise CommandError(f"No user {options['user']!r}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        chosen = {}
        for item in options["column"]:
            name, sep, heading = item.partition("=")
            if not sep:
                raise CommandError(f"--column {item!r}: write it as FIELD=HEADING.")
            chosen[name.strip()] = heading.strip()
        try:
            source = services.source_for(name=options["source"], actor=actor)
            upload = SimpleUploadedFile(path.name, path.read_bytes())
            run = services.run_upload(source=source, upload=upload, actor=actor)
            mapping = {**services.run_mapping(run), **chosen}
            run = services.run_choose_columns(
                run=run,
                mapping=mapping,
                default_channel=options["channel"] or source.default_channel,
                actor=actor,
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from error
        run = services.run_check(run_id=run.pk)
        self._report(run, options["report"])
        if run.state != run.State.CHECKED:
            raise CommandError(run.failure)
        checked = run.checked
        self.stdout.write(
            f"Checked {run.rows_total:,} rows of {path.name}: {checked.get('new', 0):,} new, "
            f"{checked.get('existing', 0):,} already imported, {checked.get('error', 0):,} "
            f"with errors, {checked.get('blank', 0):,} blank."
        )
        for row, _, field, reason in selectors.errors(run)[:20]:
            self.stdout.write(f"  row {row}, {selectors.field_label(field)}: {reason}")
        if not options["commit"]:
            self.stdout.write("Nothing imported: run again with --commit to import the new rows.")
            return
        run = services.import_begin(run=run, actor=actor)
        run = services.run_import(run_id=run.pk)
        if run.state != run.State.DONE:
            raise CommandError(run.failure)
        done = run.imported
        self.stdout.write(
            f"Imported {done.get('new', 0):,} enquiries ({done.get('organisations_new', 0):,} "
            f"new organisations, {done.get('contacts_new', 0):,} new contacts); "
            f"{done.get('existing', 0):,} rows were already imported, "
            f"{done.get('error', 0):,} had errors. Run {run.pk}."
        )

    def _report(self, run: Any, path: Path | None) -> None:
        if path is None:
            return
        with Path(path).open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerows(selectors.verdict_rows(run))
        self.stdout.write(f"Verdicts written to {path}.")
