"""Emails the desk owes people, sent at most once each (see ``Notification``)."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from enquiries.models import Enquiry, Notification
from enquiries.services import tracking_link_create

logger = logging.getLogger(__name__)


def tracking_url(token: str) -> str:
    return settings.SITE_URL + reverse("enquiries:track", args=[token])


def _acknowledgement(notification: Notification) -> EmailMultiAlternatives:
    enquiry = notification.enquiry
    # A fresh link for the email: raw tokens are never stored, so the one shown
    # on the confirmation page cannot be recovered here.
    context = {
        "enquiry": enquiry,
        "contact_name": enquiry.contact.name,
        "tracking_url": tracking_url(tracking_link_create(enquiry=enquiry)),
        "service_name": settings.SERVICE_NAME,
    }
    message = EmailMultiAlternatives(
        subject=f"[{enquiry.reference}] We have received your enquiry",
        body=render_to_string("enquiries/email/acknowledgement.txt", context),
        to=[notification.recipient],
    )
    message.attach_alternative(
        render_to_string("enquiries/email/acknowledgement.html", context), "text/html"
    )
    return message


def _deadline_reminder(notification: Notification) -> EmailMultiAlternatives:
    """To the adviser holding the enquiry: what the clock is, when it ends, where to look.

    Only what the adviser sees on the desk: no contact details of the group.
    """
    context = {**notification.data, "reference": notification.enquiry.reference}
    context["service_name"] = settings.SERVICE_NAME
    return EmailMultiAlternatives(
        subject=f"[{notification.enquiry.reference}] {notification.data['headline']}",
        body=render_to_string("enquiries/email/deadline_reminder.txt", context),
        to=[notification.recipient],
    )


BUILDERS = {
    Notification.Kind.ACKNOWLEDGEMENT: _acknowledgement,
    Notification.Kind.DEADLINE_REMINDER: _deadline_reminder,
}


def notification_keys_owed(*, keys: list[str]) -> set[str]:
    """Which of ``keys`` are owed already (sent or not): a caller can skip them cheaply."""
    owed: set[str] = set()
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        owed.update(
            Notification.objects.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True)
        )
    return owed


def notification_owe(
    *, enquiry: Enquiry, kind: str, recipient: str, dedupe_key: str, data: dict
) -> Notification | None:
    """Record an email owed once per ``dedupe_key`` and send it after the commit.

    Returns None when it was owed before (by this run, an earlier one, or a twin
    running at the same moment: the unique key decides, in the database).
    """
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            dedupe_key=dedupe_key,
            defaults={"enquiry": enquiry, "kind": kind, "recipient": recipient, "data": data},
        )
    if not created:
        return None
    from enquiries.tasks import queue_notification  # tasks import this module

    queue_notification(notification.pk)
    return notification


def notification_send(*, notification_id: int) -> str:
    """Send the email unless it has gone already: at most once per notification.

    The row lock makes a twin run (a retry racing a reaped copy of the task) wait,
    then see ``sent_at`` and stop. The connection to the mail server is opened
    before that lock is taken, so an unreachable server (the usual outage:
    refused, or silent until the timeout) never holds it; on SQLite a write
    transaction locks the whole database. It is closed after the commit, so a
    fault while saying goodbye cannot undo a send already recorded. The one gap
    left: a worker killed after the server accepted the message but before the
    commit sends it again when the task is reaped (no SMTP server can make a
    send and a database commit one step).
    """
    row = Notification.objects.filter(pk=notification_id).values("sent_at").first()
    if row is None:
        return "missing"
    if row["sent_at"] is not None:
        return "already sent"
    mailer = mailers.default
    mailer.open()
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update()
                .select_related("enquiry__contact")
                .filter(pk=notification_id)
                .first()
            )
            if notification is None:
                return "missing"
            if notification.sent_at is not None:
                return "already sent"
            mailer.send_messages([BUILDERS[notification.kind](notification)])
            notification.sent_at = timezone.now()
            notification.attempts += 1
            notification.last_error = ""
            notification.save(update_fields=["sent_at", "attempts", "last_error"])
            return "sent"
    finally:
        _close_quietly(mailer)


def _close_quietly(mailer: BaseEmailBackend) -> None:
    try:
        mailer.close()
    except OSError:  # smtplib.SMTPException too: the outcome is already decided
        logger.warning("closing the connection to the mail server failed", exc_info=True)


def failure_label(error: BaseException) -> str:
    """What ``last_error`` keeps: the fault and any SMTP reply code, never the reply text.

    Reply texts often quote the recipient's address; the code says enough.
    """
    label = type(error).__name__
    if isinstance(error, smtplib.SMTPResponseException):
        label += f" {error.smtp_code}"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        label += " " + ",".join(sorted({str(code) for code, _ in error.recipients.values()}))
    return label[:200]


def notification_record_failure(*, notification_id: int, error: BaseException) -> None:
    """Count a failed try on an email still owed; a sent one is left alone."""
    Notification.objects.filter(pk=notification_id, sent_at=None).update(
        attempts=F("attempts") + 1, last_error=failure_label(error)
    )
