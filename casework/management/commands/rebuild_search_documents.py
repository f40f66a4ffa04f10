from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.search.services import (
    search_documents_analyse,
    search_documents_missing,
    search_documents_rebuild,
)


class Command(BaseCommand):
    help = (
        "Write desk search's words of every enquiry (a search document on PostgreSQL, an "
        "FTS5 row on SQLite), in batches, each its own transaction. After the migration "
        "that adds them (casework 0031), on a PostgreSQL desk of more than 50,000 "
        "enquiries, run it with --missing (writes only what is not there yet; run again "
        "to resume); the database keeps them up to date after that. Without --missing "
        "every one is rewritten (--after-id continues from the last id printed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2_000)
        parser.add_argument("--after-id", type=int, default=0)
        parser.add_argument(
            "--missing", action="store_true", help="Only enquiries without a document."
        )

    def handle(self, *args, **options) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        total = 0
        for batch in search_documents_rebuild(
            after_id=options["after_id"],
            batch_size=options["batch_size"],
            missing_only=options["missing"],
        ):
            total += batch.written
            self.stdout.write(f"{total:,} written; up to id {batch.last_id}")
        search_documents_analyse()
        self.stdout.write(f"Done: {total:,} written, {search_documents_missing():,} missing.")
