"""Emails go through a real SMTP conversation; a refused send is retried, never lost.

The server is aiosmtpd on 127.0.0.1 (``tests/smtp.py``); tasks run on the
immediate backend here, so a retry runs at once (``TASK_RETRY_DELAY_SECONDS=0``).
The database backend, its worker and deferred retries: ``test_tasks.py``.
"""

import io
import logging
import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from config.tasks import RetriesExhausted
from enquiries.models import Enquiry, Notification
from enquiries.tasks import send_notification
from tests.smtp import point_mail_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def submit_form(client, enquiry_data, django_capture_on_commit_callbacks):
    """POST the public form as a group would; the acknowledgement is queued on commit."""

    def _submit() -> Enquiry:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("enquiries:enquire"), {**enquiry_data, "consent_to_store": "on"}
            )
        assert response.status_code == 302
        return Enquiry.objects.get()

    return _submit


def test_acknowledgement_arrives_over_smtp_with_a_working_link(client, submit_form, smtp_server):
    enquiry = submit_form()

    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["sam@example.org"]
    assert message["To"] == "sam@example.org"
    assert message["From"] == django_settings.DEFAULT_FROM_EMAIL
    assert message["Subject"] == f"[{enquiry.reference}] We have received your enquiry"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert enquiry.reference in text and enquiry.reference in html

    link = re.search(r"(https?://\S+?)(/track/[\w-]+/)", text)
    assert link.group(1) == django_settings.SITE_URL
    assert link.group(2) in html
    page = client.get(link.group(2), follow=True)
    assert page.status_code == 200
    assert enquiry.reference in page.content.decode()

    notification = Notification.objects.get()
    assert notification.sent_at is not None
    assert (notification.attempts, notification.last_error) == (1, "")


def test_refused_send_is_retried_and_arrives_once(submit_form, smtp_server):
    smtp_server.refuse = 2

    submit_form()

    assert smtp_server.refused == 2
    assert len(smtp_server.messages) == 1
    notification = Notification.objects.get()
    assert notification.attempts == 3
    assert notification.sent_at is not None
    assert notification.last_error == ""


def test_send_that_keeps_failing_is_recorded_not_lost(submit_form, smtp_server, settings, caplog):
    settings.TASK_MAX_ATTEMPTS = 3
    smtp_server.refuse = 100

    with caplog.at_level(logging.ERROR, logger="config.tasks"):
        enquiry = submit_form()

    assert smtp_server.refused == 3 and smtp_server.messages == []
    notification = Notification.objects.get()
    assert (notification.attempts, notification.sent_at) == (3, None)
    assert notification.last_error == "SMTPDataError 451"
    assert "send_notification gave up after 3 attempts" in caplog.text
    assert Enquiry.objects.filter(pk=enquiry.pk).exists()  # the enquiry itself is safe


def test_last_attempt_raises_retries_exhausted(submit_form, smtp_server, settings):
    settings.TASK_MAX_ATTEMPTS = 2
    smtp_server.refuse = 100
    submit_form()
    notification = Notification.objects.get()

    with pytest.raises(RetriesExhausted) as raised:
        send_notification.call(notification_id=notification.pk, attempt=2)

    assert type(raised.value.__cause__).__name__ == "SMTPDataError"
    notification.refresh_from_db()
    assert (notification.attempts, notification.sent_at) == (3, None)


def test_an_email_that_failed_for_good_can_be_sent_later(submit_form, smtp_server, settings):
    settings.TASK_MAX_ATTEMPTS = 2
    smtp_server.refuse = 2
    submit_form()
    notification = Notification.objects.get()
    assert notification.sent_at is None

    send_notification.enqueue(notification_id=notification.pk)

    assert len(smtp_server.messages) == 1
    notification.refresh_from_db()
    assert notification.sent_at is not None and notification.last_error == ""


def test_permanent_refusal_of_the_message_is_not_retried(submit_form, smtp_server):
    smtp_server.refuse = 1
    smtp_server.refusal = "554 5.6.0 Message content rejected"

    submit_form()

    assert smtp_server.refused == 1 and smtp_server.messages == []  # no second try
    notification = Notification.objects.get()
    assert (notification.attempts, notification.sent_at) == (1, None)
    assert notification.last_error == "SMTPDataError 554"


def test_unknown_recipient_is_not_retried(submit_form, smtp_server):
    smtp_server.unknown_recipients.add("sam@example.org")

    submit_form()

    assert smtp_server.messages == []
    assert smtp_server.recipients_refused == 1  # no second try
    notification = Notification.objects.get()
    assert (notification.attempts, notification.sent_at) == (1, None)
    assert notification.last_error == "SMTPRecipientsRefused 550"


def test_running_the_task_twice_sends_one_email(submit_form, smtp_server):
    submit_form()
    notification = Notification.objects.get()

    assert send_notification.call(notification_id=notification.pk) == "already sent"
    send_notification.enqueue(notification_id=notification.pk)

    assert len(smtp_server.messages) == 1
    notification.refresh_from_db()
    assert notification.attempts == 1


def test_a_missing_notification_is_not_an_error(smtp_server):
    assert send_notification.call(notification_id=987654) == "missing"
    assert smtp_server.messages == []


def test_server_down_is_a_transient_failure(submit_form, settings, closed_port):
    """Nothing listening on the port: connection refused is retried like a 451."""
    settings.TASK_MAX_ATTEMPTS = 2
    point_mail_at(settings, closed_port, timeout=2)

    submit_form()

    notification = Notification.objects.get()
    assert (notification.attempts, notification.sent_at) == (2, None)
    assert notification.last_error == "ConnectionRefusedError"


def test_the_advisers_deadline_reminder_has_a_text_and_an_html_body(
    submit, adviser, smtp_server, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from casework.clocks.services import key_date_record

    enquiry = submit()  # routed to Ada
    # Interim moratorium: 6 weeks beginning with the notice day, so it ends in 3 days.
    key_date_record(
        enquiry=enquiry,
        trigger="disposal-notice-received",
        date=timezone.localdate() - timedelta(days=38),
        actor=adviser.user,
    )
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_deadline_reminders", stdout=io.StringIO())

    [(recipients, message)] = smtp_server.messages
    assert recipients == [adviser.user.email]
    assert message["Subject"].startswith(f"[{enquiry.reference}] Deadline in 3 days: ")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    desk = f"/desk/enquiries/{enquiry.reference}/"
    for body in (text, html):
        assert "Localism Act 2011 s.95(6)" in body and enquiry.reference in body
        assert desk in body
        for private in (enquiry.contact.name, enquiry.contact.email, enquiry.contact.phone):
            assert private not in body
    assert f'href="{django_settings.SITE_URL}{desk}"' in html
    assert html.lstrip().startswith("<!doctype html>")
