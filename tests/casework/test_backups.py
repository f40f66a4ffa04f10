"""Backups (docs/backups.md): the manifest, a restore into a fresh database proved by row
counts and PDF checksums, and a damaged backup reported by verify and restore."""

import hashlib
import io
import json
import sqlite3
import tarfile
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from casework.backups import services
from casework.clocks.services import key_date_record
from casework.letters import services as letters_services
from casework.models import Letter
from enquiries.conversation.services import attachment_add_bytes
from enquiries.models import Attachment, Enquiry
from knowledgebase.letter_engine import ADVISER_INSTRUCTION
from knowledgebase.models import LetterTemplateVersion

on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the SQLite file backup and restore; on PostgreSQL the pg_dump tests run instead",
)
# The backup reads committed data (pg_dump is another session; SQLite's backup would wait on
# the test's own transaction): every test that makes one is transactional. serialized_rollback
# puts back the reference data (topics, areas) that the flush after the test removes.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_dump and pg_restore need PostgreSQL: set DATABASE_URL=postgres://... to run them",
)


@pytest.fixture
def desk_data(mine, adviser):
    """An enquiry with an issued letter (its PDF in MEDIA_ROOT) and a staff document."""
    key_date_record(
        enquiry=mine,
        trigger="disposal-notice-received",
        date=timezone.localdate() - timedelta(days=10),
        actor=adviser.user,
    )
    version = (
        LetterTemplateVersion.objects.filter(template__slug="acv-interim-moratorium")
        .order_by("-number")
        .first()
    )
    filled = letters_services.letter_compose(
        enquiry=mine, template_version=version, actor=adviser.user
    )
    letter = letters_services.letter_issue(
        enquiry=mine,
        template_version=version,
        title=filled.title,
        body=ADVISER_INSTRUCTION.sub("You can nominate the pub.", filled.body),
        large_print=False,
        actor=adviser.user,
    )
    document = attachment_add_bytes(
        enquiry=mine, content=b"Minutes of the committee.\n", name="minutes.txt", actor=None
    )
    return letter, document


@pytest.fixture
def fresh_target(tmp_path):
    """The URL of an empty database to restore into: a new SQLite file, or a new
    PostgreSQL database on the test server, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    given = connection.settings_dict
    name = f"desk_restore_test_{uuid.uuid4().hex[:12]}"
    server = {
        "host": given["HOST"] or None,
        "port": given["PORT"] or None,
        "user": given["USER"] or None,
        "password": given["PASSWORD"] or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = given["USER"] or ""
    yield f"postgres://{user}@{given['HOST'] or ''}:{given['PORT'] or 5432}/{name}"
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def restored_count(target: str, table: str) -> int:
    """Rows of ``table`` in the restored database, read without Django."""
    if target.startswith("sqlite:///"):
        with sqlite3.connect(target.removeprefix("sqlite:///")) as restored:
            return restored.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
    import psycopg

    given = connection.settings_dict
    with psycopg.connect(
        host=given["HOST"] or None,
        port=given["PORT"] or None,
        user=given["USER"] or None,
        password=given["PASSWORD"] or None,
        dbname=target.rsplit("/", 1)[1],
    ) as restored:
        return restored.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608


def only_folder(where: Path) -> Path:
    (folder,) = where.iterdir()
    return folder


# --- making a backup ---------------------------------------------------------------------------


@committed
def test_backup_manifest_records_vendor_migrations_counts_and_media_checksums(
    desk_data, settings, tmp_path
):
    letter, document = desk_data

    summary = services.backup_make(to=tmp_path / "backups")

    folder = only_folder(tmp_path / "backups")
    assert summary.folder == folder and folder.name.startswith("desk-backup-")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == connection.vendor
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["manifest.json", "media.tar", manifest["database"]["file"]]
    )
    assert manifest["database"]["sha256"] == sha256(folder / manifest["database"]["file"])
    assert manifest["migrations"]["casework"].startswith("0")
    assert manifest["row_counts"]["casework.Letter"] == Letter.objects.count()
    assert manifest["row_counts"]["enquiries.Attachment"] == Attachment.objects.count()
    # Every installed model, many-to-many tables too.
    assert "casework.Adviser_teams" in manifest["row_counts"]
    media = Path(settings.MEDIA_ROOT)
    assert manifest["media"]["files"] == {
        letter.pdf.name: letter.sha256,
        document.file.name: sha256(media / document.file.name),
    }
    with tarfile.open(folder / "media.tar") as archive:
        assert sorted(archive.getnames()) == sorted(manifest["media"]["files"])


@committed
def test_the_backup_command_prints_totals_and_no_names(desk_data, tmp_path, capsys):
    call_command("backup", "--to", str(tmp_path / "backups"))
    call_command("backup", "--verify", str(only_folder(tmp_path / "backups")))

    out = capsys.readouterr().out
    assert "written" in out and "is intact" in out and "2 media files" in out
    assert "Sam Green" not in out and "Red Lion" not in out and "letters/" not in out


# --- restoring into a fresh database ------------------------------------------------------------


def check_round_trip(desk_data, settings, tmp_path, target):
    letter, document = desk_data
    services.backup_make(to=tmp_path / "backups")
    folder = only_folder(tmp_path / "backups")
    restored_media = tmp_path / "restored-media"

    summary = services.backup_restore(folder=folder, database_url=target, media_root=restored_media)

    assert summary.media_files == 2
    assert restored_count(target, "casework_letter") == Letter.objects.count() == 1
    assert restored_count(target, "enquiries_enquiry") == Enquiry.objects.count() == 1
    assert restored_count(target, "enquiries_attachment") == Attachment.objects.count()
    assert sha256(restored_media / letter.pdf.name) == letter.sha256
    assert (restored_media / letter.pdf.name).read_bytes().startswith(b"%PDF-")
    assert sha256(restored_media / document.file.name) == document.sha256


@on_sqlite
@committed
def test_restore_into_a_fresh_sqlite_file_has_every_row_and_pdf(
    desk_data, settings, tmp_path, fresh_target
):
    check_round_trip(desk_data, settings, tmp_path, fresh_target)


@pytest.mark.postgres
@on_postgresql
@committed
def test_restore_into_a_fresh_postgres_database_has_every_row_and_pdf(
    desk_data, settings, tmp_path, fresh_target
):
    check_round_trip(desk_data, settings, tmp_path, fresh_target)


@committed
def test_restore_refuses_a_database_holding_data_unless_told_to_replace_it(
    desk_data, tmp_path, fresh_target
):
    services.backup_make(to=tmp_path / "backups")
    folder = only_folder(tmp_path / "backups")
    services.backup_restore(folder=folder, database_url=fresh_target, media_root=tmp_path / "m")

    with pytest.raises(services.BackupError, match="give --yes"):
        services.backup_restore(folder=folder, database_url=fresh_target, media_root=tmp_path / "n")
    services.backup_restore(
        folder=folder, database_url=fresh_target, media_root=tmp_path / "m", replace=True
    )


@on_sqlite
@pytest.mark.django_db
def test_a_sqlite_backup_inside_a_transaction_is_refused(tmp_path):
    with pytest.raises(services.BackupError, match="outside a transaction"):
        services.backup_make(to=tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []


# --- a damaged backup ------------------------------------------------------------------------


def rewrite_member(archive_path: Path, name: str, content: bytes) -> None:
    """Replace one file inside the tar, as a corrupted copy would."""
    with tarfile.open(archive_path) as archive:
        members = [(m, archive.extractfile(m).read()) for m in archive.getmembers()]
    with tarfile.open(archive_path, "w") as archive:
        for member, data in members:
            if member.name == name:
                data = content
                member.size = len(data)
            archive.addfile(member, io.BytesIO(data))


@committed
def test_verify_and_restore_name_a_changed_media_file(desk_data, tmp_path, fresh_target):
    letter, _ = desk_data
    services.backup_make(to=tmp_path / "backups")
    folder = only_folder(tmp_path / "backups")
    rewrite_member(folder / "media.tar", letter.pdf.name, b"%PDF-1.7 not the letter")

    with pytest.raises(services.BackupError) as refused:
        services.backup_verify(folder=folder)
    assert refused.value.differences == [
        f"media file {letter.pdf.name}: checksum differs from the manifest"
    ]
    with pytest.raises(CommandError, match="checksum differs"):
        call_command("backup", "--verify", str(folder))
    with pytest.raises(CommandError, match="checksum differs"):
        call_command("restore", "--from", str(folder), "--database-url", fresh_target)


@committed
def test_restore_names_a_model_whose_row_count_differs_from_the_manifest(
    desk_data, tmp_path, fresh_target
):
    services.backup_make(to=tmp_path / "backups")
    folder = only_folder(tmp_path / "backups")
    manifest_file = folder / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    real = manifest["row_counts"]["knowledgebase.Topic"]
    manifest["row_counts"]["knowledgebase.Topic"] = real + 1
    manifest_file.write_text(json.dumps(manifest))

    if connection.vendor == "sqlite":  # verify counts the rows in the SQLite copy
        with pytest.raises(services.BackupError, match="rows of knowledgebase.Topic"):
            services.backup_verify(folder=folder)
        # Restore goes no further than the check.
    else:
        with pytest.raises(services.BackupError) as refused:
            services.backup_restore(
                folder=folder, database_url=fresh_target, media_root=tmp_path / "m"
            )
        assert refused.value.differences == [
            f"rows of knowledgebase.Topic: {real + 1} in the backup, {real} now"
        ]


@committed
def test_verify_reports_a_missing_database_file(desk_data, tmp_path):
    services.backup_make(to=tmp_path / "backups")
    folder = only_folder(tmp_path / "backups")
    database = json.loads((folder / "manifest.json").read_text())["database"]["file"]
    (folder / database).unlink()

    with pytest.raises(services.BackupError, match=f"database file {database}: missing"):
        services.backup_verify(folder=folder)
