"""Emails go through a real SMTP conversation; a refused send is retried, never lost."""

import re

import pytest
from django.urls import reverse

from enquiries.models import Enquiry, Notification
from enquiries.tasks import send_notification

pytestmark = pytest.mark.django_db


def _submit(client, enquiry_data, capture):
    with capture(execute=True):
        response = client.post(
            reverse("enquiries:enquire"), {**enquiry_data, "consent_to_store": "on"}
        )
    assert response.status_code == 302
    return Enquiry.objects.get()


def test_acknowledgement_arrives_over_smtp_with_a_working_link(
    client, enquiry_data, smtp_server, django_capture_on_commit_callbacks
):
    enquiry = _submit(client, enquiry_data, django_capture_on_commit_callbacks)

    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["sam@example.org"]
    assert f"[{enquiry.reference}]" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert enquiry.reference in text and enquiry.reference in html
    assert "The Red Lion" not in message["Subject"]  # nothing beyond the reference

    path = re.search(r"https?://[^/\s]+(/track/[^\s/]+/)", text).group(1)
    page = client.get(path)
    assert page.status_code == 200
    assert enquiry.reference in page.content.decode()
    assert Notification.objects.get().sent_at is not None


def test_refused_send_is_retried_and_arrives_once(
    client, enquiry_data, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.refuse = 2
    _submit(client, enquiry_data, django_capture_on_commit_callbacks)

    assert smtp_server.refused == 2
    assert len(smtp_server.messages) == 1
    notification = Notification.objects.get()
    assert notification.attempts == 3
    assert notification.sent_at is not None
    assert notification.last_error == ""


def test_send_that_keeps_failing_stays_recorded_and_can_be_sent_later(
    client, enquiry_data, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.TASK_MAX_ATTEMPTS = 3
    smtp_server.refuse = 100
    enquiry = _submit(client, enquiry_data, django_capture_on_commit_callbacks)

    assert smtp_server.messages == []
    notification = Notification.objects.get()
    assert (notification.attempts, notification.sent_at) == (3, None)
    assert notification.last_error == "SMTPDataError"
    assert Enquiry.objects.filter(pk=enquiry.pk).exists()  # the enquiry itself is safe

    smtp_server.refuse = 0
    send_notification.enqueue(notification_id=notification.pk)
    assert len(smtp_server.messages) == 1
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_running_the_task_twice_sends_one_email(
    client, enquiry_data, smtp_server, django_capture_on_commit_callbacks
):
    _submit(client, enquiry_data, django_capture_on_commit_callbacks)
    notification = Notification.objects.get()

    assert send_notification.call(notification_id=notification.pk) == "already sent"
    assert len(smtp_server.messages) == 1


def test_server_down_is_a_transient_failure(
    client, enquiry_data, settings, django_capture_on_commit_callbacks
):
    """Nothing listening on the port: connection refused is retried like a 451."""
    settings.TASK_MAX_ATTEMPTS = 2
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    _submit(client, enquiry_data, django_capture_on_commit_callbacks)
    notification = Notification.objects.get()
    assert (notification.attempts, notification.sent_at) == (2, None)
    assert notification.last_error == "ConnectionRefusedError"
