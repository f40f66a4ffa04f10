"""Nothing internal reaches a group: a unique secret in every internal field, and none of
them in any page, download, email or API answer a group can get. Enumeration: unknown
addresses, tokens and references get the very same answers as known ones."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from casework.cases.services import case_open_from_enquiry
from casework.clocks.services import key_date_record
from casework.letters.services import letter_issue
from casework.models import Absence, Case, CaseEvent, Outcome
from casework.outcomes import OutcomeCode
from casework.queue.services import enquiry_assign
from casework.workspace.services import note_add, task_add, time_record
from enquiries.conversation.services import (
    attachment_add_bytes,
    message_publish,
    public_date_publish,
    public_date_withdraw,
)
from enquiries.models import Enquiry, EnquiryEvent, Notification
from enquiries.notifications import notification_send
from knowledgebase.models import LetterTemplateVersion
from tests.enquiries.portal import PDF, pdf, reply_url, track_url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRETS = {
    "note": "SECRET-NOTE-7f3a",
    "task": "SECRET-TASK-91bc",
    "time": "SECRET-TIME-2d4e",
    "outcome": "SECRET-OUTCOME-c5d6",
    "staff_file": "SECRET-STAFF-FILE-a1b2",
    "assignment": "SECRET-ASSIGNMENT-e8f9",
    "event": "SECRET-EVENT-0a0b",
    "case": "SECRET-CASE-3c3d",
    "key_date_note": "SECRET-KEYDATE-4e4f",
    "other_subject": "SECRET-OTHER-SUBJECT-5a5b",
    "other_message": "SECRET-OTHER-MESSAGE-6c6d",
    "other_phone": "07700 900555",
    "other_access": "SECRET-OTHER-ACCESS-7e7f",
    "other_desk_message": "SECRET-OTHER-DESK-8a8b",
    "logger_name": "Secretlogger",
    "adviser_surname": "Secretsurname",
    "adviser_email": "secret.adviser@desk.example",
    "manager_name": "Secretmanager",
    "letter_title": "SECRET-LETTER-TITLE-1a2b",
    "letter_body": "SECRET-LETTER-BODY-3c4d",
    "case_asset_name": "SECRET-CASE-ASSET-5e6f",
    "case_asset_address": "SECRET-CASE-ADDRESS-7a8b",
    "case_plan": "SECRET-CASE-PLAN-9c0d",
    "referred_to": "SECRET-REFERRED-TO-1e2f",
    "referral_detail": "SECRET-REFERRAL-DETAIL-3a4b",
    "absence": "SECRET-ABSENCE-5c6d",
    "team_assets": "SECRET-TEAM-ASSETS-7e8f",
    "team_planning": "SECRET-TEAM-PLANNING-9a0b",
    "team_triage": "SECRET-TEAM-TRIAGE-1c2d",
    "case_event": "SECRET-CASE-EVENT-3e4f",
    "withdrawn_label": "SECRET-WITHDRAWN-DATE-5a6b",
    "withdrawn_meaning": "SECRET-WITHDRAWN-MEANING-7c8d",
    "withdrawn_source": "SECRET-WITHDRAWN-SOURCE-9e0f",
    "sibling_note": "SECRET-SIBLING-NOTE-1a3c",
}
# A staff-only field whose value has a plain label the page never otherwise uses.
PRIORITY_LABEL = "Urgent"


@pytest.fixture
def world(submit, adviser, other_adviser, manager, topics, teams):
    """Ada holds the group's enquiry; every internal record carries a secret."""
    for key, team in teams.items():
        team.name = SECRETS[f"team_{key}"]
        team.save()
    Absence.objects.create(
        adviser=adviser,
        starts_on=timezone.localdate() + timedelta(days=30),
        ends_on=timezone.localdate() + timedelta(days=31),
        note=SECRETS["absence"],
    )
    ada = adviser.user
    ada.last_name, ada.email = SECRETS["adviser_surname"], SECRETS["adviser_email"]
    ada.save()
    manager.user.first_name = SECRETS["manager_name"]
    manager.user.save()
    enquiry = submit(priority=4)
    logger = UserFactory(first_name=SECRETS["logger_name"], last_name=SECRETS["logger_name"])
    Enquiry.objects.filter(pk=enquiry.pk).update(logged_by=logger)
    enquiry.refresh_from_db()

    note_add(enquiry=enquiry, body=SECRETS["note"], actor=ada)
    task_add(
        enquiry=enquiry,
        title=SECRETS["task"],
        due_on=timezone.localdate() + timedelta(days=3),
        assignee=ada,
        actor=ada,
    )
    time_record(
        enquiry=enquiry,
        minutes=30,
        activity="research",
        spent_on=timezone.localdate(),
        actor=ada,
        note=SECRETS["time"],
    )
    Outcome.objects.create(
        enquiry=enquiry,
        code=OutcomeCode.values[0],
        detail=SECRETS["outcome"],
        recorded_by=ada,
    )
    attachment_add_bytes(
        enquiry=enquiry, content=PDF, name=f"{SECRETS['staff_file']}.pdf", actor=ada
    )
    enquiry_assign(
        enquiry=enquiry, adviser=adviser, actor=manager.user, reason=SECRETS["assignment"]
    )
    EnquiryEvent.objects.create(
        enquiry=enquiry, kind=EnquiryEvent.Kind.NOTE_ADDED, actor=ada, data={"x": SECRETS["event"]}
    )
    case = case_open_from_enquiry(
        enquiry=enquiry, actor=ada, title=SECRETS["case"], plan_name=SECRETS["case_plan"]
    )
    Case.objects.filter(pk=case.pk).update(
        asset_name=SECRETS["case_asset_name"], asset_address=SECRETS["case_asset_address"]
    )
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.DETAILS_EDITED, actor=ada, data={"x": SECRETS["case_event"]}
    )
    Outcome.objects.create(
        enquiry=enquiry,
        case=case,
        code=OutcomeCode.REFERRED,
        referred_to=SECRETS["referred_to"],
        consent_to_refer=True,
        detail=SECRETS["referral_detail"],
        recorded_by=ada,
    )
    # A letter issued to download and post, never published: the group sees nothing of it.
    letter_issue(
        enquiry=enquiry,
        template_version=LetterTemplateVersion.objects.filter(template__slug="general-reply")
        .order_by("-number")
        .first(),
        title=SECRETS["letter_title"],
        body=f"Dear Sam Green,\n\n{SECRETS['letter_body']}",
        large_print=False,
        actor=ada,
    )
    # A date shown to the group, then withdrawn: gone from everything they see.
    public_date_publish(
        enquiry=enquiry,
        source=SECRETS["withdrawn_source"][:60],
        label=SECRETS["withdrawn_label"],
        meaning=SECRETS["withdrawn_meaning"],
        date=timezone.localdate() + timedelta(days=3),
        is_group_deadline=True,
        actor=ada,
    )
    public_date_withdraw(enquiry=enquiry, source=SECRETS["withdrawn_source"][:60], actor=ada)
    key_date_record(
        enquiry=enquiry,
        trigger="disposal-notice-received",
        date=timezone.localdate() - timedelta(days=5),
        note=SECRETS["key_date_note"],
        actor=ada,
    )
    # What the group may see: a desk message with a letter, and a published date.
    message = message_publish(enquiry=enquiry, body="Your guidance", actor=ada)
    attachment_add_bytes(
        enquiry=enquiry, content=PDF, name="guidance.pdf", actor=ada, message=message
    )
    public_date_publish(
        enquiry=enquiry,
        source="deadline:x:1",
        label="Bid by",
        date=timezone.localdate() + timedelta(days=14),
        is_group_deadline=True,
        actor=ada,
    )
    # Another group, with the same organisation name but another address.
    other = submit(
        email="other@example.org",
        contact_name="Other Person",
        phone=SECRETS["other_phone"],
        accessibility_needs=SECRETS["other_access"],
        accessibility_consent=True,
        subject=SECRETS["other_subject"],
        message=SECRETS["other_message"],
    )
    other_message = message_publish(enquiry=other, body=SECRETS["other_desk_message"], actor=ada)
    attachment_add_bytes(
        enquiry=other, content=PDF, name="other.pdf", actor=ada, message=other_message
    )
    # The same group's second enquiry (same address: in the link's scope), with a note.
    sibling = submit(subject="Our second enquiry")
    note_add(enquiry=sibling, body=SECRETS["sibling_note"], actor=ada)
    return {"enquiry": enquiry, "other": other, "sibling": sibling, "ada": ada, "case": case}


def _text(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("latin-1")
    return response.content.decode()


def _assert_clean(label: str, text: str) -> None:
    found = [name for name, secret in SECRETS.items() if secret in text]
    assert not found, f"{label} shows internal data: {found}"


def test_nothing_internal_reaches_any_page_download_or_email_a_group_can_reach(
    client, world, api_client, enquiry_data, django_capture_on_commit_callbacks
):
    enquiry, other, sibling = world["enquiry"], world["other"], world["sibling"]
    token, url = track_url(enquiry)
    mail.outbox.clear()
    # The emails owed while the world was made (acknowledgements, the update), sent now
    # that every secret is in place, as the worker would send them.
    for owed in Notification.objects.filter(recipient=enquiry.contact.email, sent_at=None):
        notification_send(notification_id=owed.pk)
    responses = {}

    responses["tracking page"] = client.get(url, follow=True)
    html = responses["tracking page"].content.decode()
    assert "Your guidance" in html and "Bid by" in html and "guidance.pdf" in html
    assert PRIORITY_LABEL not in html
    for href in re.findall(r'href="(/track/[^"]+/documents/\d+/)"', html):
        responses[f"download {href[-4:]}"] = client.get(href, follow=True)
    assert any(k.startswith("download") for k in responses)
    responses["other enquiry by reference"] = client.get(
        reverse("enquiries:track_enquiry", args=[token, other.reference]), follow=True
    )
    responses["sibling enquiry"] = client.get(
        reverse("enquiries:track_enquiry", args=[token, sibling.reference]), follow=True
    )
    assert responses["sibling enquiry"].status_code == 200
    assert "Our second enquiry" in responses["sibling enquiry"].content.decode()
    responses["reply refused"] = client.post(
        reply_url(token, enquiry), {"body": "x", "files": [pdf("a.svg", b"<svg/>")]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        responses["reply sent"] = client.post(
            reply_url(token, enquiry), {"body": "Thanks"}, follow=True
        )
        responses["confirmation page"] = client.post(
            reverse("enquiries:enquire"),
            {**enquiry_data, "subject": "A third one", "consent_to_store": "on"},
            follow=True,
        )
        responses["new link form"] = client.get(reverse("enquiries:new_link"))
        responses["new link asked"] = client.post(
            reverse("enquiries:new_link"), {"email": enquiry.contact.email}
        )
        responses["rotate"] = client.post(reverse("enquiries:track_rotate", args=[token]))
    responses["link not valid"] = client.get(url, follow=True)
    responses["intake API"] = api_client.post(
        "/api/v1/enquiries/", {**enquiry_data, "subject": "Via API"}, format="json"
    )
    assert responses["intake API"].status_code == 201

    assert "Your reference is" in responses["confirmation page"].content.decode()

    for label, response in responses.items():
        _assert_clean(label, _text(response))
    group_emails = [m for m in mail.outbox if m.to == [enquiry.contact.email]]
    subjects = " | ".join(m.subject for m in group_emails)
    for subject in ("We have received your enquiry", "There is an update", "Your new link"):
        assert subject in subjects, subject  # acknowledgements, the update, the links
    assert len([m for m in group_emails if "received your enquiry" in m.subject]) == 3
    for email in group_emails:
        _assert_clean(f"email {email.subject}", email.subject + email.body)
        for body, _ in email.alternatives:
            _assert_clean(f"email {email.subject} (HTML)", body)


def test_the_secrets_are_really_there_for_staff(client, world):
    """The leak test is only worth something if the secrets were stored where staff see
    them: the desk's own page shows the internal ones."""
    client.force_login(world["ada"])
    page = client.get(
        reverse("casework:enquiry", args=[world["enquiry"].reference]), {"entries": "all"}
    )
    html = page.content.decode()
    for name in (
        "note",
        "task",
        "time",
        "assignment",
        "key_date_note",
        "adviser_surname",
        "letter_title",
        "referred_to",
    ):
        assert SECRETS[name] in html, name
    case = client.get(reverse("casework:case", args=[world["case"].pk])).content.decode()
    for name in ("case_asset_name", "case_asset_address", "case_plan"):
        assert SECRETS[name] in case, name
    # The rest are stored where no desk page shows them all; they are in the database.
    from casework.models import Letter

    letter = Letter.objects.get(enquiry=world["enquiry"])
    assert SECRETS["letter_body"] in letter.body and letter.published_at is None
    assert Outcome.objects.filter(detail=SECRETS["referral_detail"]).exists()
    assert Absence.objects.filter(note=SECRETS["absence"]).exists()
    assert CaseEvent.objects.filter(data__x=SECRETS["case_event"]).exists()
    assert EnquiryEvent.objects.filter(data__withdrawn=True).exists()  # shown, then withdrawn


def test_emails_to_the_group_carry_nothing_internal(world, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    enquiry = world["enquiry"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_publish(enquiry=enquiry, body="Another update", actor=world["ada"])
        call_command("send_group_deadline_reminders")
    group_emails = [m for m in mail.outbox if m.to == [enquiry.contact.email]]
    assert len(group_emails) == 2
    for email in group_emails:
        assert enquiry.reference in email.subject
        _assert_clean(email.subject, email.subject + email.body + email.alternatives[0][0])


# --- enumeration -----------------------------------------------------------------------------


def _main(response) -> str:
    """The page's main content without the per-request CSRF token."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html


def test_new_link_answers_known_and_unknown_addresses_identically(client, submit):
    submit()
    # One request id from the proxy for both, so that only the answer itself is compared.
    post = {"path": reverse("enquiries:new_link"), "HTTP_X_REQUEST_ID": "same"}
    known = client.post(**post, data={"email": "sam@example.org"})
    unknown = client.post(**post, data={"email": "unknown@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert _main(known) == _main(unknown)
    assert dict(known.headers) == dict(unknown.headers)


def test_unknown_token_and_out_of_scope_reference_look_alike(client, submit):
    enquiry = submit()
    other = submit(email="other@example.org")
    token, _ = track_url(enquiry)
    answers = [
        client.get(reverse("enquiries:track", args=["A" * 43]), follow=True),
        client.get(
            reverse("enquiries:track_enquiry", args=["A" * 43, enquiry.reference]), follow=True
        ),
        client.get(reverse("enquiries:track_enquiry", args=[token, other.reference]), follow=True),
        client.get(reverse("enquiries:track_enquiry", args=[token, "CR-2000-000001"]), follow=True),
        client.get(
            reverse("enquiries:track_document", args=[token, other.reference, 1]), follow=True
        ),
        client.get(
            reverse("enquiries:track_document", args=[token, enquiry.reference, 999]), follow=True
        ),
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({_main(a) for a in answers}) == 1
    for a in answers:
        assert other.reference not in a.content.decode()


def test_a_token_in_a_request_line_is_redacted_from_logs(client, submit, caplog):
    from enquiries.log_filters import redact

    enquiry = submit()
    token, url = track_url(enquiry)
    for path in (
        url,
        reverse("enquiries:track_enquiry", args=[token, enquiry.reference]),
        reply_url(token, enquiry),
        reverse("enquiries:track_document", args=[token, enquiry.reference, 1]),
        reverse("enquiries:track_rotate", args=[token]),
    ):
        assert token not in redact(f'"GET {path} HTTP/1.1" 404 10')
    with caplog.at_level("WARNING", logger="django.request"):
        client.get(reverse("enquiries:track", args=["wrong-" + token]), follow=True)
    assert "Not Found: /track/[redacted]/" in caplog.text  # the 404 is logged, redacted
    assert token not in caplog.text
