"""Importing a service's earlier records: the check, the import, doing it again, faults."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from casework.imports import selectors, services
from casework.models import ImportedRecord, ImportRun, Note, Outcome
from casework.search.selectors import desk_search
from casework.workspace.selectors import event_describe
from enquiries.models import Contact, Enquiry, EnquiryEvent, Organisation, Status
from tests.casework.imports import csv_bytes, row, xlsx_bytes

LONDON = ZoneInfo("Europe/London")  # settings.TIME_ZONE
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_day")]


def upload(manager, data: bytes, name: str = "history.csv", source: str = "Old CRM"):
    actor = manager.user
    found = services.source_for(name=source, actor=actor)
    run = services.run_upload(source=found, upload=SimpleUploadedFile(name, data), actor=actor)
    return run


def check(run, **mapping):
    run = services.run_choose_columns(
        run=run,
        mapping={**services.run_mapping(run), **mapping},
        default_channel="email",
        actor=run.started_by,
    )
    return services.run_check(run_id=run.pk)


def import_(run):
    run = services.import_begin(run=run, actor=run.started_by)
    return services.run_import(run_id=run.pk)


def counts():
    return (Organisation.objects.count(), Contact.objects.count(), Enquiry.objects.count())


MESSY = [
    row("OLD-1"),
    # The same group and person again, with a date in ISO form and odd spacing and case.
    row("OLD-2", Date_received="2024-02-14", Topic="  RIGHT  to   Bid ", Subject="Follow-up"),
    ["", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],  # blank
    row("OLD-3", Date_received="45337", Topic="Pub quizzes"),  # Excel serial; unknown topic
    row("OLD-4", Date_received="01/31/2024"),  # month first: not guessed
    row("OLD-5", Email="not-an-email", Contact='=HYPERLINK("http://x")'),
    row(
        "OLD-6",
        Organisation="Caistor Café Trust",  # Windows-1252 é
        Postcode="LN7 6UU",
        Contact="Sam Lee",
        Email="sam@caistor.example",
        Status="Closed",
        Closed="20/03/2024",
        Outcome="asset listed",
        Notes="Listed after two calls.",
    ),
    row("OLD-1", Subject="Same reference again"),  # a duplicate key in the file
]


def test_the_check_reports_every_row_and_writes_nothing(manager):
    before = counts()
    run = check(upload(manager, csv_bytes(MESSY, encoding="cp1252")))
    assert run.state == ImportRun.State.CHECKED
    assert run.rows_total == 8
    assert run.checked["new"] == 3  # OLD-1, OLD-2, OLD-6
    assert run.checked["error"] == 4  # OLD-3, OLD-4, OLD-5, the second OLD-1
    assert run.checked["blank"] == 1
    assert run.checked["organisations_new"] == 2
    assert run.checked["contacts_new"] == 2
    problems = {(r, f): reason for r, v, f, reason in run.verdicts if v == "error"}
    assert "No topic on the desk is called “Pub quizzes”" in problems[5, "topic"]
    assert "Not a date" in problems[6, "received"]
    assert problems[7, "contact_email"] == "Not an email address."
    assert "formula" in problems[7, "contact_name"]
    assert "row 2" in problems[9, "source_key"]
    assert counts() == before
    assert not ImportedRecord.objects.exists()
    lines = list(selectors.verdict_rows(run))
    assert lines[0] == ["Row", "Verdict", "Column", "Reason"]
    assert lines[1] == [2, "New", "", ""]
    assert [4, "Blank", "", "Nothing in this row."] in lines
    assert [5, "Error", "Topic (Topic)", "No topic on the desk is called “Pub quizzes”."] in lines


def test_the_import_writes_the_good_rows_and_again_changes_nothing(manager, areas, topics):
    data = csv_bytes(MESSY, encoding="cp1252")
    run = import_(check(upload(manager, data)))
    assert run.state == ImportRun.State.DONE
    assert run.imported["new"] == 3
    assert run.imported["error"] == 4
    assert not run.file  # the uploaded file is not kept once imported

    first, second, closed = Enquiry.objects.order_by("legacy_reference")
    assert first.legacy_reference == "OLD-1"
    assert first.reference.startswith("CR-2024-")
    assert first.topic == topics["right-to-bid"]
    assert first.local_authority == areas["west-lindsey"]
    assert timezone.localtime(first.received_at) == datetime(
        2024, 1, 31, 9, tzinfo=timezone.get_default_timezone()
    )
    assert first.contact == second.contact  # one person, one group
    assert first.organisation.postcode == "LN3 5XA"
    assert first.contact.consent_basis == Contact.ConsentBasis.IMPORTED
    assert closed.organisation.name == "Caistor Café Trust"
    assert closed.status == Status.CLOSED
    assert timezone.localdate(closed.closed_at) == date(2024, 3, 20)
    outcome = Outcome.objects.get(enquiry=closed)
    assert outcome.code == "asset_listed" and outcome.is_closing
    assert outcome.recorded_at == closed.closed_at
    assert Note.objects.get(enquiry=closed).body == "Listed after two calls."
    event = EnquiryEvent.objects.get(enquiry=closed, kind=EnquiryEvent.Kind.IMPORTED)
    assert event.data == {"source": "Old CRM", "run": run.pk, "row": 8, "legacy_reference": "OLD-6"}
    assert closed.history.get().history_change_reason == "imported"
    assert event_describe(event) == "Imported from Old CRM (row 8, old reference OLD-6)"
    assert not EnquiryEvent.objects.filter(kind=EnquiryEvent.Kind.RECEIVED).exists()

    # The old reference finds it in desk search.
    found = desk_search(user=manager.user, query="OLD-6")
    assert [e.pk for e in found.enquiries.items] == [closed.pk]

    # The same file again: every row already imported, nothing new.
    before = counts()
    again = check(upload(manager, data))
    assert again.checked["existing"] == 3 and again.checked.get("new", 0) == 0
    again = import_(again)
    assert again.imported.get("new", 0) == 0
    assert counts() == before


def test_a_row_matches_a_group_and_person_already_on_the_desk(manager, submit):
    on_desk = submit(subject="Live enquiry")
    contact, group = on_desk.contact, on_desk.organisation
    data = csv_bytes(
        [
            row(
                "OLD-9",
                Organisation=group.name.upper(),
                Postcode=group.postcode,
                Contact=contact.name,
                Email=contact.email.upper(),
            )
        ]
    )
    run = check(upload(manager, data))
    assert run.verdicts == [
        [
            2,
            "new",
            "",
            "New enquiry; its organisation is already on the desk and its contact is "
            "already on the desk.",
        ]
    ]
    run = import_(run)
    imported = Enquiry.objects.get(legacy_reference="OLD-9")
    assert imported.contact == contact and imported.organisation == group
    assert ImportedRecord.objects.get(kind="contact").created is False


def test_an_xlsx_file_with_dates_serials_and_numbers(manager):
    headings = ["Ref", "Date received", "Contact", "Closed", "Status"]
    data = xlsx_bytes(
        [
            # An id read as 1001; Excel's times have no zone.
            [1001, datetime(2023, 5, 2, 14, 30), "Ann", None, "open"],  # noqa: DTZ001
            [1002.0, 45000, "Bob", "=TODAY()", "open"],  # a formula with no saved value
            [1003, date(2023, 6, 1), "Cy", date(2023, 5, 1), "closed"],  # closed before
        ],
        headings,
    )
    run = check(upload(manager, data, name="history.xlsx"))
    assert run.checked == {
        "new": 2,
        "error": 1,
        "contacts_new": 2,
    }
    errors = [(r, f) for r, v, f, _ in run.verdicts if v == "error"]
    assert errors == [(4, "closed")]
    run = import_(run)
    ann = Enquiry.objects.get(legacy_reference="1001")
    assert timezone.localtime(ann.received_at).hour == 14
    bob = Enquiry.objects.get(legacy_reference="1002")
    assert timezone.localdate(bob.received_at) == date(2023, 3, 15)  # serial 45000
    assert ann.organisation is None


def test_a_fault_leaves_whole_batches_and_the_import_resumes(manager, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    data = csv_bytes([row(f"OLD-{n}", Contact=f"Person {n}", Email="") for n in range(1, 6)])
    run = check(upload(manager, data))
    run = services.import_begin(run=run, actor=run.started_by)
    real = services.BatchWriter._enquiries
    calls = []

    def flaky(self, plans, organisations, contacts):
        calls.append(len(plans))
        real(self, plans, organisations, contacts)
        if len(calls) == 2:
            raise RuntimeError("the database went away")

    monkeypatch.setattr(services.BatchWriter, "_enquiries", flaky)
    with pytest.raises(RuntimeError):
        services.run_import(run_id=run.pk)
    run.refresh_from_db()
    assert run.state == ImportRun.State.FAILED
    assert "carry on" in run.failure
    assert run.rows_done == 3  # rows 2 and 3: the first batch
    assert sorted(Enquiry.objects.values_list("legacy_reference", flat=True)) == ["OLD-1", "OLD-2"]
    assert Contact.objects.count() == 2  # nothing of the second batch

    run = import_(run)  # carry on
    assert run.state == ImportRun.State.DONE
    assert sorted(Enquiry.objects.values_list("legacy_reference", flat=True)) == [
        f"OLD-{n}" for n in range(1, 6)
    ]
    assert run.imported["new"] == 5


def test_an_import_cannot_start_twice(manager):
    run = check(upload(manager, csv_bytes([row("OLD-1")])))
    services.import_begin(run=run, actor=run.started_by)
    with pytest.raises(services.ImportRefused, match="not waiting"):
        services.import_begin(run=run, actor=run.started_by)
    other = check(upload(manager, csv_bytes([row("OLD-2")])))
    with pytest.raises(services.ImportRefused, match="Another file"):
        services.import_begin(run=other, actor=other.started_by)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old Excel file"),
        (b"Ref,Ref\r\n1,2\r\n", "Two columns are headed"),
        (b"PK\x03\x04not really a zip", "not a spreadsheet"),
    ],
)
def test_a_file_that_is_not_a_table_is_refused_clearly(manager, data, message):
    with pytest.raises(ValidationError) as refused:
        upload(manager, data)
    assert message in refused.value.message_dict["file"][0]
    assert not ImportRun.objects.exists()


def test_the_mapping_needs_the_required_columns_and_is_saved(manager):
    data = b"Reference;Opened;Who\r\nA1;01/02/2024;Ann\r\n"
    run = upload(manager, data)
    assert services.run_mapping(run) == {"source_key": "Reference", "received": "Opened"}
    with pytest.raises(ValidationError) as refused:
        services.run_choose_columns(
            run=run,
            mapping=services.run_mapping(run),
            default_channel="email",
            actor=run.started_by,
        )
    assert "contact_name" in refused.value.message_dict
    run = check(run, contact_name="Who")
    assert run.checked["new"] == 1
    # The next file from the source is read the same way.
    later = upload(manager, b"Reference;Opened;Who\r\nA2;02/02/2024;Bo\r\n")
    assert services.run_mapping(later)["contact_name"] == "Who"


def test_a_worker_writes_for_a_while_then_queues_the_rest(manager, monkeypatch):
    from casework.imports import tasks

    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    data = csv_bytes([row(f"OLD-{n}", Contact=f"Person {n}", Email="") for n in range(1, 6)])
    run = services.import_begin(run=check(upload(manager, data)), actor=manager.user)
    part = services.run_import(run_id=run.pk, seconds=0)  # one batch, then stop
    assert part.state == ImportRun.State.IMPORTING and part.rows_done == 3
    assert Enquiry.objects.count() == 2
    monkeypatch.setattr(tasks, "SECONDS_PER_TASK", 0)
    tasks.import_rows.enqueue(run_id=run.pk)  # each task a batch, each queuing the next
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE
    assert Enquiry.objects.count() == 5 and run.imported["new"] == 5


def test_a_second_worker_on_the_same_run_stands_aside(manager, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    data = csv_bytes([row(f"OLD-{n}", Contact=f"Person {n}", Email="") for n in range(1, 6)])
    run = services.import_begin(run=check(upload(manager, data)), actor=manager.user)
    late = services.BatchWriter(run, services.RowResolver(run))  # read before the first wrote
    services.run_import(run_id=run.pk)
    with pytest.raises(services.Superseded):
        late.write([])
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE
    assert Enquiry.objects.count() == 5


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("31/01/2024", datetime(2024, 1, 31, 9, tzinfo=LONDON)),
        ("31/01/24", datetime(2024, 1, 31, 9, tzinfo=LONDON)),
        ("1/2/2024 14:30", datetime(2024, 2, 1, 14, 30, tzinfo=LONDON)),
        ("2024-01-31", datetime(2024, 1, 31, 9, tzinfo=LONDON)),
        ("2024-01-31T08:05:09", datetime(2024, 1, 31, 8, 5, 9, tzinfo=LONDON)),
        ("31-01-2024", datetime(2024, 1, 31, 9, tzinfo=LONDON)),
        ("31.01.2024", datetime(2024, 1, 31, 9, tzinfo=LONDON)),
        ("31 Jan 2024", datetime(2024, 1, 31, 9, tzinfo=LONDON)),
        ("31 January 2024 10:15", datetime(2024, 1, 31, 10, 15, tzinfo=LONDON)),
        ("45322", datetime(2024, 1, 31, 9, tzinfo=LONDON)),
        (45322.5, datetime(2024, 1, 31, 12, tzinfo=LONDON)),
        (date(2024, 1, 31), datetime(2024, 1, 31, 9, tzinfo=LONDON)),
        ("", None),
    ],
)
def test_dates_in_the_forms_spreadsheets_hold(cell, expected):
    from datetime import time as clock

    from casework.imports.rows import when

    assert when(cell, tz=LONDON, default_time=clock(9)) == expected


@pytest.mark.parametrize("cell", ["01/31/2024", "31/31/2024", "2024-13-01", "yesterday", "123"])
def test_a_date_that_cannot_be_read_is_an_error_not_a_guess(cell):
    from datetime import time as clock

    from casework.imports.rows import CellError, when

    with pytest.raises(CellError, match="Not a date"):
        when(cell, tz=timezone.get_default_timezone(), default_time=clock(9))


def test_a_quoted_cell_may_run_over_several_lines(manager):
    data = csv_bytes([row("OLD-1", Details="First line.\r\nSecond line.")], delimiter="\t")
    run = import_(check(upload(manager, data)))
    assert run.imported["new"] == 1
    assert Enquiry.objects.get().message == "First line.\nSecond line."
