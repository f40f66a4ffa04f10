"""The portal's emails, through a real SMTP server (``tests/smtp.py``): what arrives, to
whom, with the reference in the subject and both bodies; a refused send is retried."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from enquiries.conversation.services import public_date_publish
from enquiries.models import Notification
from tests.enquiries.portal import pdf, reply_url, track_url

pytestmark = pytest.mark.django_db


def _bodies(message) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_reply_reaches_the_adviser_after_a_refusal_once(
    client, submit, adviser, smtp_server, django_capture_on_commit_callbacks
):
    enquiry = submit()
    token, _ = track_url(enquiry)
    smtp_server.messages.clear()
    smtp_server.refuse = 1  # a 451 "try again later"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reply_url(token, enquiry), {"body": "Our reply", "files": [pdf()]})

    assert smtp_server.refused == 1
    [(recipients, message)] = smtp_server.messages
    assert recipients == [adviser.user.email]
    assert message["Subject"] == f"[{enquiry.reference}] The group has replied"
    text, html = _bodies(message)
    assert f"/desk/enquiries/{enquiry.reference}/" in text and enquiry.reference in html
    assert "Our reply" not in text + html
    assert enquiry.contact.email not in text + html
    notification = Notification.objects.get(kind=Notification.Kind.REPLY_RECEIVED)
    assert (notification.attempts, notification.sent_at is not None) == (2, True)


def test_new_link_arrives_only_at_the_address_that_was_typed(
    client, submit, smtp_server, django_capture_on_commit_callbacks
):
    enquiry = submit()
    submit(email="someone@example.org", subject="Someone else's")
    smtp_server.messages.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("enquiries:new_link"), {"email": "sam@example.org"})

    [(recipients, message)] = smtp_server.messages
    assert recipients == ["sam@example.org"]
    assert enquiry.reference in message["Subject"]
    text, html = _bodies(message)
    assert "/track/" in text and "/track/" in html
    assert "Someone else's" not in text + html


def test_group_deadline_reminders_go_14_and_3_days_before_once_each(
    submit, adviser, smtp_server, django_capture_on_commit_callbacks
):
    enquiry = submit()
    today = timezone.localdate()
    public_date_publish(
        enquiry=enquiry,
        source="deadline:1:1",
        label="Bid by",
        date=today + timedelta(days=14),
        meaning="Send your written request to be treated as a bidder.",
        is_group_deadline=True,
        actor=adviser.user,
    )
    public_date_publish(
        enquiry=enquiry,
        source="deadline:1:2",
        label="Not the group's",
        date=today + timedelta(days=14),
        actor=adviser.user,
    )
    smtp_server.messages.clear()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_group_deadline_reminders")
        call_command("send_group_deadline_reminders")  # the same day again: nothing new
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_group_deadline_reminders", today=str(today + timedelta(days=11)))
        call_command("send_group_deadline_reminders", today=str(today + timedelta(days=5)))

    subjects = [m["Subject"] for _, m in smtp_server.messages]
    assert subjects == [
        f"[{enquiry.reference}] 14 days left: Bid by",
        f"[{enquiry.reference}] 3 days left: Bid by",
    ]
    assert {tuple(r) for r, _ in smtp_server.messages} == {(enquiry.contact.email,)}
    text, html = _bodies(smtp_server.messages[0][1])
    assert "Send your written request" in text and "Bid by" in html
    assert "/track/" in text


def _group_deadline(enquiry, adviser, on, source="deadline:1:1"):
    return public_date_publish(
        enquiry=enquiry,
        source=source,
        label="Bid by",
        date=on,
        is_group_deadline=True,
        actor=adviser.user,
    )


def _remind(day) -> None:
    call_command("send_group_deadline_reminders", today=str(day), stdout=StringIO())


def test_a_missed_daily_run_delays_a_group_reminder_and_it_still_goes_once(
    submit, adviser, django_capture_on_commit_callbacks
):
    enquiry = submit()
    start = timezone.localdate()
    _group_deadline(enquiry, adviser, start + timedelta(days=14))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        # No run on the day it was 14 days away (nor 3 days away): the next day's run
        # sends it, and every later run in the same window sends nothing more.
        for offset in (1, 1, 2, 10, 12, 12, 13, 14, 15, 20):
            _remind(start + timedelta(days=offset))

    subjects = [m.subject for m in mail.outbox if m.to == [enquiry.contact.email]]
    assert subjects == [
        f"[{enquiry.reference}] 13 days left: Bid by",
        f"[{enquiry.reference}] 2 days left: Bid by",
    ]
    assert "is 13 days away" in mail.outbox[0].body
    keys = Notification.objects.filter(kind=Notification.Kind.GROUP_DEADLINE)
    assert sorted(k.rsplit(":", 1)[1] for k in keys.values_list("dedupe_key", flat=True)) == [
        "14",
        "3",
    ]


@pytest.mark.parametrize(
    ("days_left", "subject"), [(3, "3 days left"), (1, "1 day left"), (0, "Today")]
)
def test_a_date_first_seen_within_3_days_gets_only_the_3_day_reminder(
    submit, adviser, django_capture_on_commit_callbacks, days_left, subject
):
    enquiry = submit()
    today = timezone.localdate()
    _group_deadline(enquiry, adviser, today + timedelta(days=days_left))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        for offset in range(days_left + 2):
            _remind(today + timedelta(days=offset))

    group = [m for m in mail.outbox if m.to == [enquiry.contact.email]]
    assert [m.subject for m in group] == [f"[{enquiry.reference}] {subject}: Bid by"]
    assert Notification.objects.filter(kind=Notification.Kind.GROUP_DEADLINE).count() == 1


def test_a_date_more_than_14_days_away_or_passed_is_not_reminded(submit, adviser):
    enquiry = submit()
    today = timezone.localdate()
    _group_deadline(enquiry, adviser, today + timedelta(days=15))
    _group_deadline(enquiry, adviser, today - timedelta(days=1), source="deadline:1:2")
    _remind(today)
    assert not Notification.objects.filter(kind=Notification.Kind.GROUP_DEADLINE).exists()


def test_reminders_skip_closed_enquiries(submit, adviser, django_capture_on_commit_callbacks):
    from enquiries.models import Enquiry, Status

    enquiry = submit()
    public_date_publish(
        enquiry=enquiry,
        source="deadline:1:1",
        label="Bid by",
        date=timezone.localdate() + timedelta(days=3),
        is_group_deadline=True,
        actor=adviser.user,
    )
    Enquiry.objects.filter(pk=enquiry.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    call_command("send_group_deadline_reminders")
    assert not Notification.objects.filter(kind=Notification.Kind.GROUP_DEADLINE).exists()


def test_routing_tells_the_adviser_with_no_group_details(
    submit, adviser, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enquiry = submit()

    [(recipients, message)] = [(r, m) for r, m in smtp_server.messages if r == [adviser.user.email]]
    assert message["Subject"] == f"[{enquiry.reference}] An enquiry is now yours"
    text, html = _bodies(message)
    assert f"/desk/enquiries/{enquiry.reference}/" in text
    for personal in (enquiry.contact.name, enquiry.contact.email, enquiry.contact.phone):
        assert personal not in text + html


def test_claiming_an_enquiry_sends_no_assignment_email(
    submit, adviser, django_capture_on_commit_callbacks
):
    from casework.queue.services import enquiry_claim

    enquiry = submit(topic="", local_authority="")  # nobody covers it: the team queue
    assert enquiry.assigned_to is None
    with django_capture_on_commit_callbacks(execute=True):
        enquiry_claim(enquiry=enquiry, actor=adviser.user)
    assert not Notification.objects.filter(kind=Notification.Kind.ASSIGNED).exists()


def test_a_manager_assigning_tells_the_adviser(
    submit, adviser, manager, other_adviser, django_capture_on_commit_callbacks
):
    from casework.queue.services import enquiry_assign

    enquiry = submit()
    with django_capture_on_commit_callbacks(execute=True):
        enquiry_assign(enquiry=enquiry, adviser=other_adviser, actor=manager.user, reason="cover")
    [email] = [m for m in mail.outbox if m.to == [other_adviser.user.email]]
    assert enquiry.reference in email.subject
