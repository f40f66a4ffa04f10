"""The managers' import pages, the template file and the command."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.imports import services
from casework.imports.columns import FIELDS
from casework.models import ImportRun
from enquiries.models import Enquiry
from tests.casework.imports import csv_bytes, row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_day")]
TEMPLATE = Path(settings.BASE_DIR) / "config" / "static" / "import" / "enquiries-template.csv"


def test_a_manager_uploads_checks_and_imports(client, manager, django_capture_on_commit_callbacks):
    client.force_login(manager.user)
    data = csv_bytes([row("OLD-1"), row("OLD-2", Topic="Pub quizzes")])
    response = client.post(
        reverse("casework:imports"),
        {"file": SimpleUploadedFile("history.csv", data), "source_name": "Old CRM"},
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:import_run", args=[run.pk])

    page = client.get(response["Location"]).content.decode()
    assert "Choose the columns" in page
    assert '<option value="Ref" selected>Ref</option>' in page  # matched by its heading

    form = {f.name: services.run_mapping(run).get(f.name, "") for f in FIELDS}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("casework:import_run", args=[run.pk]), {**form, "default_channel": "phone"}
        )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Checked: ready to import" in page
    assert "No topic on the desk is called “Pub quizzes”." in page
    assert "Topic (Topic)" in page
    assert "Import 1 new enquiry" in page
    assert not Enquiry.objects.exists()

    verdicts = client.get(reverse("casework:import_verdicts", args=[run.pk]))
    assert verdicts["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(verdicts.content.decode())))
    assert lines[1:] == [
        ["2", "New", "", ""],
        ["3", "Error", "Topic (Topic)", "No topic on the desk is called “Pub quizzes”."],
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("casework:import_start", args=[run.pk]))
    page = client.get(response["Location"]).content.decode()
    assert "Enquiries imported</dt><dd>1</dd>" in page
    assert Enquiry.objects.get().legacy_reference == "OLD-1"
    # Twice is refused, saying why.
    response = client.post(reverse("casework:import_start", args=[run.pk]), follow=True)
    assert "not waiting to be imported" in response.content.decode()
    assert Enquiry.objects.count() == 1


def test_a_bad_upload_says_why_and_keeps_nothing(client, manager):
    client.force_login(manager.user)
    response = client.post(
        reverse("casework:imports"),
        {"file": SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0junk"), "source_name": "X"},
    )
    assert response.status_code == 400
    assert "save it as .xlsx or CSV" in response.content.decode()
    assert not ImportRun.objects.exists()
    response = client.post(reverse("casework:imports"), {"source_name": ""})
    page = response.content.decode()
    assert "Choose the file to import." in page and "Choose a source, or name a new one." in page


def test_a_missing_column_is_refused_on_the_form(client, manager):
    client.force_login(manager.user)
    source = services.source_for(name="S", actor=manager.user)
    run = services.run_upload(
        source=source,
        upload=SimpleUploadedFile("f.csv", b"Ref,When\r\nA,01/01/2024\r\n"),
        actor=manager.user,
    )
    response = client.post(
        reverse("casework:import_run", args=[run.pk]),
        {"source_key": "Ref", "received": "When", "default_channel": "email"},
    )
    assert response.status_code == 400
    assert "Choose the column that holds “Contact name”: it is needed." in response.content.decode()
    run.refresh_from_db()
    assert run.state == ImportRun.State.UPLOADED


def test_the_run_page_costs_the_same_however_many_errors(client, manager):
    client.force_login(manager.user)

    def checked(rows: int) -> ImportRun:
        source = services.source_for(name=f"S{rows}", actor=manager.user)
        data = csv_bytes([row(f"R{n}", Topic="Nope") for n in range(rows)])
        run = services.run_upload(
            source=source, upload=SimpleUploadedFile("f.csv", data), actor=manager.user
        )
        run = services.run_choose_columns(
            run=run, mapping=services.run_mapping(run), default_channel="email", actor=manager.user
        )
        return services.run_check(run_id=run.pk)

    def queries(run: ImportRun) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("casework:import_run", args=[run.pk])).status_code == 200
        return len(captured)

    assert queries(checked(3)) == queries(checked(150))


def test_the_template_file_names_every_field_and_checks_clean(manager, areas):
    headings = next(csv.reader(io.StringIO(TEMPLATE.read_text())))
    assert headings == [f.label for f in FIELDS]
    source = services.source_for(name="Template", actor=manager.user)
    run = services.run_upload(
        source=source, upload=SimpleUploadedFile("t.csv", TEMPLATE.read_bytes()), actor=manager.user
    )
    run = services.run_choose_columns(
        run=run, mapping=services.run_mapping(run), default_channel="email", actor=manager.user
    )
    run = services.run_check(run_id=run.pk)
    assert run.checked.get("error", 0) == 0, run.verdicts
    assert run.checked["new"] == 2


def test_the_command_checks_then_imports(manager, tmp_path):
    path = tmp_path / "history.csv"
    path.write_bytes(csv_bytes([row("OLD-1"), row("OLD-2", Date_received="yesterday")]))
    report = tmp_path / "verdicts.csv"
    out = io.StringIO()
    call_command(
        "import_records",
        str(path),
        source="Old CRM",
        user=manager.user.username,
        report=str(report),
        stdout=out,
    )
    said = out.getvalue()
    assert "Checked 2 rows of history.csv: 1 new, 0 already imported, 1 with errors" in said
    assert "row 3, Date received: Not a date" in said
    assert "Nothing imported" in said
    assert not Enquiry.objects.exists()
    assert "Error" in report.read_text()
    out = io.StringIO()
    call_command(
        "import_records",
        str(path),
        source="Old CRM",
        user=manager.user.username,
        commit=True,
        stdout=out,
    )
    assert "Imported 1 enquiries" in out.getvalue()
    assert Enquiry.objects.get().legacy_reference == "OLD-1"
