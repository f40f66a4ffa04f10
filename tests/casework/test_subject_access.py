"""Subject access: a manager records the request (due a calendar month later), downloads
everything held about the person as JSON and as a tagged PDF read back as text, and
records its release. Advisers cannot; the address never goes into a URL."""

import io
import json
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from casework.data_protection.services import one_month_after
from casework.models import SubjectAccessRequest
from casework.workspace.services import note_add
from enquiries.conversation.services import message_publish
from enquiries.services import personal_data_access_record

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
