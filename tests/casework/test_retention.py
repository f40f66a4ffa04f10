"""Retention: closed enquiries past the period are anonymised (figures kept, identities
and free text gone, history scrubbed), legal holds keep records back, the job is
idempotent and batched, and managers set the period and the holds on their page."""

from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.cases.services import case_open_from_enquiry
from casework.data_protection import selectors, services
from casework.models import LegalHold, Note, RetentionRun
from casework.workspace.services import note_add
from enquiries.conversation.services import attachment_add, message_publish
from enquiries.mail.services import mail_receive
from enquiries.models import (
    Attachment,
    Contact,
    Enquiry,
    EnquiryEvent,
    Message,
    Organisation,
    Status,
    TrackingLink,
)
from enquiries.retention.services import ANONYMISED
from enquiries.services import enquiry_change_status
from tests.enquiries.mail_corpus import corpus

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2019, 3, 4, 10, tzinfo=UTC)
RECENTLY = datetime(2025, 6, 2, 10, tzinfo=UTC)
NOW = datetime(2026, 12, 6, 9, tzinfo=UTC)  # six years back: 6 December 2020


@pytest.fixture
def closed_at(time_machine, submit, adviser):
    """Make an enquiry (with a note, an update, a document) and close it at ``when``."""

    def make(when: datetime, **overrides) -> Enquiry:
        time_machine.move_to(when, tick=False)
        enquiry = submit(**overrides)
        note_add(enquiry=enquiry, body="Spoke to Sam Green on 07700 900123.", actor=adviser.user)
        message_publish(enquiry=enquiry, body="Dear Sam, here is our advice.", actor=adviser.user)
        attachment_add(
            enquiry=enquiry,
            upload=SimpleUploadedFile("minutes.txt", b"Minutes naming Sam Green."),
            actor=adviser.user,
        )
        enquiry_change_status(enquiry=enquiry, status=Status.CLOSED, actor=adviser.user)
        enquiry.refresh_from_db()
        time_machine.move_to(NOW, tick=False)
        return enquiry

    return make


def report_figures(client, manager) -> list:
    """Every number in every report over all time, in order (labels may change)."""
    client.force_login(manager.user)
    figures = []

    def numbers(value):
        if isinstance(value, bool):
            return
        if isinstance(value, int | float):
            figures.append(value)
        elif isinstance(value, dict):
            for key in sorted(value):
                numbers(value[key])
        elif isinstance(value, list):
            for item in value:
                numbers(item)

    periods = [
        ("2018-01-01", "2020-12-31"),
        ("2021-01-01", "2023-12-31"),
        ("2024-01-01", "2026-12-06"),
    ]
    for name in ("flow", "outcomes", "demand", "caseload"):
        for start, end in periods:
            response = client.get(
                reverse(f"api:report-{name}"), {"date_from": start, "date_to": end}
            )
            assert response.status_code == 200, (name, response.content[:300])
            numbers(response.json())
    return figures


def test_past_retention_is_anonymised_and_the_figures_are_kept(
    client, manager, closed_at, django_capture_on_commit_callbacks
):
    old = closed_at(LONG_AGO)
    recent = closed_at(RECENTLY, email="other@example.org", organisation_name="Other group")
    document = Attachment.objects.get(enquiry=old)
    storage_name = document.file.name
    before = report_figures(client, manager)

    with django_capture_on_commit_callbacks(execute=True):
        run = services.retention_run(now=NOW)

    assert (run.enquiries_anonymised, run.contacts_erased, run.organisations_anonymised) == (
        1,
        1,
        1,
    )
    assert report_figures(client, manager) == before
    old.refresh_from_db()
    assert old.anonymised_at == NOW and old.subject == ANONYMISED and old.message == ""
    assert old.asset_name == "" and old.asset_address == ""
    assert (old.reference, old.topic_id, old.local_authority_id, old.channel) == (
        old.reference,
        recent.topic_id,
        recent.local_authority_id,
        "web",
    )
    # Earlier versions in the history are scrubbed too.
    assert not old.history.filter(subject="Our pub is up for sale").exists()
    assert set(old.history.values_list("message", flat=True)) == {""}
    assert set(Message.objects.filter(enquiry=old).values_list("body", flat=True)) == {ANONYMISED}
    assert set(Note.objects.filter(enquiry=old).values_list("body", flat=True)) == {ANONYMISED}
    assert not Attachment.objects.filter(enquiry=old).exists()
    assert not document.file.storage.exists(storage_name)
    assert not TrackingLink.objects.filter(enquiry=old).exists()
    assert old.events.filter(kind=EnquiryEvent.Kind.ANONYMISED).exists()
    contact = Contact.objects.get(pk=old.contact_id)
    assert contact.erased_at == NOW and contact.name == ANONYMISED and contact.email == ""
    assert contact.phone == ""
    assert Organisation.objects.get(pk=old.organisation_id).name == "Anonymised organisation"
    # Inside retention: untouched.
    recent.refresh_from_db()
    assert recent.anonymised_at is None and recent.subject == "Our pub is up for sale"
    assert Note.objects.filter(enquiry=recent).exclude(body=ANONYMISED).exists()


def test_a_contact_with_an_enquiry_inside_retention_is_kept(closed_at, submit):
    old = closed_at(LONG_AGO)
    submit()  # the same person and group, open now

    services.retention_run(now=NOW)

    contact = Contact.objects.get(pk=old.contact_id)
    assert contact.erased_at is None and contact.email == "sam@example.org"
    assert Enquiry.objects.get(pk=old.pk).anonymised_at == NOW


def test_email_sources_go_with_the_enquiry_and_unlinked_mail_ages_out(closed_at, settings):
    settings.MAIL_REPLY_ADDRESS = "desk@desk.example"
    settings.MAIL_DATE_MAX_AGE_DAYS = 100_000
    old = closed_at(LONG_AGO)
    reply = mail_receive(corpus("reply_subject_only", old), source="pipe")  # a follow-up now
    auto = mail_receive(corpus("auto_reply", old), source="pipe", arrived=LONG_AGO).inbound
    first_raw = reply.inbound.raw.name

    services.retention_run(now=NOW)

    auto.refresh_from_db()
    assert auto.from_address == "" and not auto.raw
    reply.inbound.refresh_from_db()
    assert reply.inbound.from_address  # it made a new enquiry inside retention
    assert reply.inbound.raw.name == first_raw


def test_legal_holds_keep_records_until_released_or_ended(closed_at, manager, adviser):
    on_enquiry = closed_at(LONG_AGO)
    on_case = closed_at(LONG_AGO, email="b@example.org", organisation_name="B")
    expired = closed_at(LONG_AGO, email="c@example.org", organisation_name="C")
    case = case_open_from_enquiry(enquiry=on_case, actor=adviser.user, title="Red Lion")
    hold = services.legal_hold_place(actor=manager.user, reason="Litigation", enquiry=on_enquiry)
    services.legal_hold_place(actor=manager.user, reason="Complaint", case=case)
    LegalHold.objects.create(
        enquiry=expired, reason="Ended", until=date(2026, 1, 1), placed_by=manager.user
    )

    run = services.retention_run(now=NOW)

    assert run.enquiries_anonymised == 1 and run.held_back == 2
    assert Enquiry.objects.get(pk=expired.pk).anonymised_at is not None
    assert Enquiry.objects.get(pk=on_enquiry.pk).anonymised_at is None
    assert Enquiry.objects.get(pk=on_case.pk).anonymised_at is None

    services.legal_hold_release(hold=hold, actor=manager.user)
    assert services.retention_run(now=NOW).enquiries_anonymised == 1
    assert Enquiry.objects.get(pk=on_enquiry.pk).anonymised_at is not None


def test_the_job_is_batched_idempotent_and_audited_without_personal_data(closed_at, caplog):
    made = [
        closed_at(LONG_AGO, email=f"p{i}@example.org", organisation_name=f"G{i}") for i in range(5)
    ]

    first = services.retention_run(now=NOW, batch=2)
    again = services.retention_run(now=NOW, batch=2)

    assert first.enquiries_anonymised == 5 and first.finished_at is not None
    assert again.enquiries_anonymised == 0 and again.contacts_erased == 0
    assert Enquiry.objects.filter(anonymised_at__isnull=False).count() == len(made)
    assert RetentionRun.objects.count() == 2
    assert "p0@example.org" not in caplog.text and "G0" not in caplog.text


def test_the_period_follows_the_managers_policy(closed_at, manager):
    recent = closed_at(RECENTLY)

    assert services.retention_run(now=NOW).enquiries_anonymised == 0
    services.retention_policy_set(years=1, actor=manager.user)
    assert selectors.policy_years() == 1
    assert services.retention_run(now=NOW).enquiries_anonymised == 1
    assert Enquiry.objects.get(pk=recent.pk).anonymised_at is not None


def test_the_data_protection_page(client, closed_at, manager, adviser):
    old = closed_at(LONG_AGO)
    client.force_login(adviser.user)
    assert client.get(reverse("casework:data_protection")).status_code == 403

    client.force_login(manager.user)
    page = client.get(reverse("casework:data_protection")).content.decode()
    assert "<strong>6 years</strong>" in page
    assert "Anonymised at the next run</dt><dd>1 enquiry" in page

    bad = client.post(reverse("casework:retention_policy"), {"years": "0"})
    assert bad.status_code == 400 and "Error: Data protection" in bad.content.decode()
    assert selectors.policy_years() == 6

    refused = client.post(
        reverse("casework:legal_hold_place"), {"reference": "CR-1999-000001", "reason": "x"}
    )
    assert refused.status_code == 400
    assert "There is no enquiry with that reference." in refused.content.decode()
    placed = client.post(
        reverse("casework:legal_hold_place"),
        {"reference": old.reference.lower(), "reason": "Subject access dispute"},
    )
    assert placed.status_code == 302
    hold = LegalHold.objects.get(enquiry=old)
    page = client.get(reverse("casework:data_protection")).content.decode()
    assert "Kept back by legal holds</dt><dd>1 enquiry" in page and "Subject access dispute" in page

    client.post(reverse("casework:legal_hold_release", args=[hold.pk]))
    hold.refresh_from_db()
    assert hold.released_by == manager.user
    client.post(reverse("casework:retention_policy"), {"years": "8"})
    assert selectors.policy_years() == 8


def test_apply_retention_command_prints_counts(closed_at):
    from io import StringIO

    from django.core.management import call_command

    closed_at(LONG_AGO)
    out = StringIO()
    call_command("apply_retention", stdout=out)

    assert "1 enquiries and 0 cases anonymised, 1 contacts erased" in out.getvalue()


def test_erasure_on_request_shows_what_is_held_back_then_erases(
    client, closed_at, submit, manager, adviser
):
    closed = closed_at(RECENTLY)  # inside retention: erasure does not wait for it
    still_open = submit()
    held = closed_at(RECENTLY)
    LegalHold.objects.create(enquiry=held, reason="Complaint", placed_by=manager.user)
    client.force_login(manager.user)
    form = {
        "erasure-email": "SAM@example.org",
        "erasure-received_on": "2026-12-01",
        "erasure-note": "By phone",
    }

    preview = client.post(reverse("casework:erasure"), form)

    html = preview.content.decode()
    assert preview.status_code == 200 and "1 of 3 enquiries" in html
    assert "It is still open: close it (withdrawn) first." in html
    assert "A legal hold is in force." in html
    assert Enquiry.objects.filter(anonymised_at__isnull=False).count() == 0  # nothing yet
    assert "sam@example.org" not in preview.request["PATH_INFO"]

    done = client.post(reverse("casework:erasure"), {**form, "confirm": "yes"}, follow=True)

    assert "1 enquiries anonymised, 2 held back, 0 contact records erased" in (
        done.content.decode()
    )
    assert Enquiry.objects.get(pk=closed.pk).anonymised_at is not None
    assert Enquiry.objects.get(pk=still_open.pk).anonymised_at is None
    assert Enquiry.objects.get(pk=held.pk).anonymised_at is None
    assert Contact.objects.filter(email="sam@example.org").exists()  # two enquiries left

    # Later: the open one is closed and the hold released; asked again, all goes.
    enquiry_change_status(enquiry=still_open, status=Status.CLOSED, actor=adviser.user)
    LegalHold.objects.update(released_at=NOW, released_by=manager.user)
    client.post(reverse("casework:erasure"), {**form, "confirm": "yes"})
    assert not Contact.objects.filter(email__iexact="sam@example.org").exists()
    assert Contact.objects.filter(erased_at__isnull=False).exists()


def test_erasure_refuses_bad_requests_and_advisers(client, closed_at, manager, adviser):
    closed_at(RECENTLY)
    client.force_login(adviser.user)
    form = {
        "erasure-email": "sam@example.org",
        "erasure-received_on": "2026-12-01",
        "confirm": "yes",
    }
    assert client.post(reverse("casework:erasure"), form).status_code == 403

    client.force_login(manager.user)
    unknown = client.post(
        reverse("casework:erasure"), {**form, "erasure-email": "nobody@example.org"}
    )
    assert unknown.status_code == 400
    assert "No enquiry with personal data has this address." in unknown.content.decode()
    future = client.post(reverse("casework:erasure"), {**form, "erasure-received_on": "2027-01-01"})
    assert future.status_code == 400
    assert Enquiry.objects.filter(anonymised_at__isnull=False).count() == 0


def test_the_job_can_be_queued_for_a_worker(closed_at, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    enquiry = closed_at(LONG_AGO)
    out = StringIO()

    call_command("apply_retention", "--in-worker", stdout=out)

    assert "Retention queued for a worker" in out.getvalue()
    assert Enquiry.objects.get(pk=enquiry.pk).anonymised_at is not None  # the task ran
    assert RetentionRun.objects.count() == 1
