"""Subject access: a manager records the request (due a calendar month later), downloads
everything held about the person as JSON and as a tagged PDF read back as text, and
records its release. Advisers cannot; the address never goes into a URL."""

import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from casework.data_protection.services import (
    one_month_after,
    retention_run,
    sar_export_prepare,
    sar_record,
    sar_release,
    sar_reminders_send,
)
from casework.desk.pdf import RenderError
from casework.models import SubjectAccessRequest
from casework.workspace.services import note_add
from enquiries.conversation.services import message_publish
from enquiries.models import Status
from enquiries.services import enquiry_change_status, personal_data_access_record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 12, 6), date(2027, 1, 6)),
    ],
)
def test_the_answer_is_due_a_calendar_month_later(received, due):
    assert one_month_after(received) == due


@pytest.fixture
def held(submit, adviser, other_adviser):
    """Sam's two enquiries, with an update, an internal note, and views of the record."""
    first = submit(subject="Our pub is up for sale")
    second = submit(subject="The library too", email="SAM@example.org")
    message_publish(enquiry=first, body="Here is our advice on the moratorium.", actor=adviser.user)
    note_add(enquiry=first, body="Sam sounded worried about the deadline.", actor=adviser.user)
    personal_data_access_record(enquiry=first, viewer=adviser.user, channel="page")
    return first, second


def test_a_manager_records_exports_and_releases_a_request(client, manager, held):
    first, second = held
    client.force_login(manager.user)

    recorded = client.post(
        reverse("casework:sar_record"),
        {"access-email": "sam@example.org", "access-received_on": "2026-10-14"},
        follow=True,
    )

    sar = SubjectAccessRequest.objects.get()
    assert sar.due_on == date(2026, 11, 14)
    assert "recorded: due 14 November 2026" in recorded.content.decode()
    assert "sam@example.org" not in reverse("casework:sar_json", args=[sar.pk])

    exported = client.get(reverse("casework:sar_json", args=[sar.pk]))
    assert exported["Content-Disposition"] == f'attachment; filename="subject-access-{sar.pk}.json"'
    data = json.loads(exported.content)
    assert [e["reference"] for e in data["enquiries"]] == [first.reference, second.reference]
    assert data["contacts"][0]["email"] == "sam@example.org"
    assert data["contacts"][0]["lawful_basis"] == "Agreed to it on the enquiry form"
    one = data["enquiries"][0]
    assert one["conversation"][0]["text"] == "Here is our advice on the moratorium."
    assert one["internal_notes"] == [
        {
            "internal": True,
            "at": one["internal_notes"][0]["at"],
            "by": one["internal_notes"][0]["by"],
            "text": "Sam sounded worried about the deadline.",
        }
    ]
    assert data["access_log"][0]["enquiry"] == first.reference

    pdf = client.get(reverse("casework:sar_pdf", args=[sar.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(pdf.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert first.reference in text and second.reference in text
    assert "Internal note" in text and "Sam sounded worried about the deadline." in text
    assert "Who opened your records" in text
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    assert reader.metadata.title == "Your personal data held by the Community Rights Desk"

    client.post(reverse("casework:sar_release", args=[sar.pk]))
    sar.refresh_from_db()
    assert sar.released_by == manager.user and sar.released_at is not None


def test_bad_requests_and_advisers_are_refused(client, manager, adviser, held):
    client.force_login(adviser.user)
    assert (
        client.post(
            reverse("casework:sar_record"),
            {"access-email": "sam@example.org", "access-received_on": "2026-10-14"},
        ).status_code
        == 403
    )

    client.force_login(manager.user)
    future = client.post(
        reverse("casework:sar_record"),
        {"access-email": "sam@example.org", "access-received_on": "2099-01-01"},
    )
    assert future.status_code == 400
    assert "The request cannot have come in the future." in future.content.decode()
    missing = client.post(
        reverse("casework:sar_record"), {"access-email": "", "access-received_on": ""}
    )
    assert missing.status_code == 400
    assert not SubjectAccessRequest.objects.exists()

    sar = SubjectAccessRequest.objects.create(
        email="sam@example.org",
        received_on=date(2026, 10, 14),
        due_on=date(2026, 11, 14),
        recorded_by=manager.user,
    )
    client.force_login(adviser.user)
    assert client.get(reverse("casework:sar_json", args=[sar.pk])).status_code == 403
    assert client.get(reverse("casework:sar_pdf", args=[sar.pk])).status_code == 403


def _released(manager, email: str, when) -> SubjectAccessRequest:
    return SubjectAccessRequest.objects.create(
        email=email,
        received_on=date(2026, 1, 5),
        due_on=date(2026, 2, 5),
        recorded_by=manager.user,
        released_by=manager.user,
        released_at=when,
    )


def test_retention_removes_a_released_requests_address_after_the_keeping_days(
    client, manager, time_machine, settings
):
    settings.SUBJECT_ACCESS_KEEP_DAYS = 90
    released = datetime(2026, 9, 1, 10, tzinfo=UTC)
    old = _released(manager, "sam@example.org", released)
    owed = SubjectAccessRequest.objects.create(
        email="kim@example.org",
        received_on=date(2026, 1, 5),
        due_on=date(2026, 2, 5),
        recorded_by=manager.user,
    )

    first = retention_run(now=released + timedelta(days=89))
    old.refresh_from_db()
    assert old.email == "sam@example.org" and first.access_addresses_removed == 0

    later = released + timedelta(days=91)
    run = retention_run(now=later)

    old.refresh_from_db()
    owed.refresh_from_db()
    assert old.email == "" and old.address_removed_at == later
    assert run.access_addresses_removed == 1
    assert owed.email == "kim@example.org"  # not released: the answer is still owed
    client.force_login(manager.user)
    refused = client.get(reverse("casework:sar_json", args=[old.pk]), follow=True)
    assert "the person&#x27;s address has been removed since" in refused.content.decode()


def test_erasure_removes_the_address_from_the_persons_released_requests(
    client, manager, held, adviser
):
    first, second = held
    for enquiry in held:
        enquiry_change_status(enquiry=enquiry, status=Status.CLOSED, actor=adviser.user)
    theirs = _released(manager, "Sam@Example.org", datetime(2026, 11, 1, tzinfo=UTC))
    someone_else = _released(manager, "kim@example.org", datetime(2026, 11, 1, tzinfo=UTC))
    client.force_login(manager.user)

    client.post(
        reverse("casework:erasure"),
        {"erasure-email": "sam@example.org", "erasure-received_on": "2026-12-01", "confirm": "yes"},
    )

    theirs.refresh_from_db()
    someone_else.refresh_from_db()
    assert theirs.email == "" and theirs.address_removed_at is not None
    assert someone_else.email == "kim@example.org"


def test_a_history_too_long_for_a_pdf_points_to_the_json(client, manager, held, monkeypatch):
    sar = SubjectAccessRequest.objects.create(
        email="sam@example.org",
        received_on=date(2026, 10, 14),
        due_on=date(2026, 11, 14),
        recorded_by=manager.user,
    )

    def too_long(html: str) -> bytes:
        raise RenderError("the document has 41 pages; at most 40")

    monkeypatch.setattr("casework.data_protection.services.render_pdf", too_long)
    client.force_login(manager.user)

    answer = client.get(reverse("casework:sar_pdf", args=[sar.pk]), follow=True)

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "could not be made (the document has 41 pages; at most 40)" in html
    assert "Download the JSON export instead" in html


def test_a_manager_withholds_a_note_under_an_exemption_before_release(
    client, manager, adviser, held, submit
):
    first, _ = held
    kept = note_add(enquiry=first, body="Sam chairs the group.", actor=adviser.user)
    withheld = first.notes.get(body__startswith="Sam sounded worried")
    sar = sar_record(email="sam@example.org", received_on=date(2026, 11, 20), actor=manager.user)
    client.force_login(manager.user)
    review = reverse("casework:sar_review", args=[sar.pk])
    assert "Sam sounded worried" in client.get(review).content.decode()

    saved = client.post(review, {f"note-{withheld.pk}": "third_party", f"note-{kept.pk}": ""})

    assert saved.status_code == 302
    data = json.loads(client.get(reverse("casework:sar_json", args=[sar.pk])).content)
    notes = {n.get("text", "withheld"): n for n in data["enquiries"][0]["internal_notes"]}
    assert "Sam chairs the group." in notes
    assert notes["withheld"]["withheld"] is True
    assert notes["withheld"]["reason"].startswith("It is another person's personal data")
    assert "Sam sounded worried" not in json.dumps(data)
    pdf = client.get(reverse("casework:sar_pdf", args=[sar.pk]))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Withheld." in text and "Sam sounded worried" not in text

    # A note from someone else's enquiry, or a reason not listed: refused, nothing changed.
    someone_else = submit(email="kim@elsewhere.example")
    other = note_add(enquiry=someone_else, body="Another group's note.", actor=adviser.user)
    refused = client.post(review, {f"note-{other.pk}": "third_party"})
    assert refused.status_code == 400
    assert client.post(review, {f"note-{kept.pk}": "made_up"}).status_code == 400
    assert sar.withholdings.count() == 1

    client.post(reverse("casework:sar_release", args=[sar.pk]))
    assert client.get(review).status_code == 404  # released: the export is what was sent
    client.force_login(adviser.user)
    assert client.get(review).status_code == 403


def test_managers_are_reminded_once_as_the_due_date_nears_and_once_when_passed(
    manager, adviser, mailoutbox
):
    sar = sar_record(email="sam@example.org", received_on=date(2026, 11, 10), actor=manager.user)
    assert sar.due_on == date(2026, 12, 10)

    assert sar_reminders_send(today=date(2026, 12, 1)) == 0  # nine days left
    assert sar_reminders_send(today=date(2026, 12, 4)) == 1
    assert sar_reminders_send(today=date(2026, 12, 5)) == 0  # once
    reminder = mailoutbox[0]
    assert reminder.to == [manager.user.email]
    assert reminder.subject == f"Subject access request {sar.pk} is due on 10 December 2026"
    assert "sam@example.org" not in reminder.body + reminder.subject

    assert sar_reminders_send(today=date(2026, 12, 11)) == 1
    assert "is overdue" in mailoutbox[1].subject
    assert sar_reminders_send(today=date(2026, 12, 12)) == 0

    released = sar_record(
        email="kim@example.org", received_on=date(2026, 11, 10), actor=manager.user
    )
    sar_release(request=released, actor=manager.user)
    assert sar_reminders_send(today=date(2026, 12, 11)) == 0


def test_a_large_export_is_prepared_in_the_background_with_progress(
    client, manager, adviser, submit, held, monkeypatch, django_capture_on_commit_callbacks
):
    for n in range(10):
        submit(subject=f"Enquiry {n}")  # Sam has twelve enquiries
    sar = sar_record(email="sam@example.org", received_on=date(2026, 11, 20), actor=manager.user)
    seen: list[int] = []
    real_update = type(SubjectAccessRequest.objects.all()).update

    def watch(queryset, **fields):
        if "export_progress" in fields:
            seen.append(fields["export_progress"])
        return real_update(queryset, **fields)

    monkeypatch.setattr(type(SubjectAccessRequest.objects.all()), "update", watch)
    client.force_login(manager.user)

    # Tests run tasks at once (TASK_BACKEND=immediate), as a worker would, on commit.
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("casework:sar_prepare", args=[sar.pk]), follow=True)

    assert "is being prepared" in answer.content.decode()
    sar.refresh_from_db()
    assert sar.export_state == "ready" and sar.export_progress == 100
    assert seen == sorted(seen) and seen[-1] == 100 and any(0 < p < 60 for p in seen)
    stored = json.loads(sar.export_json.read())
    assert len(stored["enquiries"]) == 12
    downloaded = client.get(reverse("casework:sar_json", args=[sar.pk]))
    assert json.loads(downloaded.content) == stored  # the prepared file, not a new one
    pdf = client.get(reverse("casework:sar_pdf", args=[sar.pk]))
    assert pdf.content == sar.export_pdf.read()
    reader = PdfReader(io.BytesIO(pdf.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert all(e["reference"] in text for e in stored["enquiries"])  # all twelve, readable
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged

    # Changing the review throws the prepared files away: they no longer match.
    first, _ = held
    note = first.notes.get()
    client.post(reverse("casework:sar_review", args=[sar.pk]), {f"note-{note.pk}": "privilege"})
    sar.refresh_from_db()
    assert sar.export_state == "" and not sar.export_json


def test_a_pdf_too_long_leaves_the_prepared_json_with_a_note(
    manager, held, monkeypatch, django_capture_on_commit_callbacks
):
    def too_long(html: str) -> bytes:
        raise RenderError("the document has 41 pages; at most 40")

    monkeypatch.setattr("casework.data_protection.services.render_pdf", too_long)
    sar = sar_record(email="sam@example.org", received_on=date(2026, 11, 20), actor=manager.user)

    with django_capture_on_commit_callbacks(execute=True):
        sar_export_prepare(request=sar, actor=manager.user)

    sar.refresh_from_db()
    assert sar.export_state == "ready" and sar.export_json and not sar.export_pdf
    assert "the JSON holds everything" in sar.export_note


def test_the_prepared_files_go_with_the_address(
    manager, held, settings, django_capture_on_commit_callbacks
):
    sar = sar_record(email="sam@example.org", received_on=date(2026, 11, 20), actor=manager.user)
    with django_capture_on_commit_callbacks(execute=True):
        sar_export_prepare(request=sar, actor=manager.user)
    sar.refresh_from_db()
    storage, name = sar.export_json.storage, sar.export_json.name
    assert storage.exists(name)
    sar_release(request=sar, actor=manager.user)

    with django_capture_on_commit_callbacks(execute=True):  # files go after the commit
        retention_run(now=timezone.now() + timedelta(days=settings.SUBJECT_ACCESS_KEEP_DAYS + 1))

    sar.refresh_from_db()
    assert sar.email == "" and not sar.export_json and not sar.export_pdf
    assert not storage.exists(name)
