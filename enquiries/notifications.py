"""Emails the desk owes people, sent at most once each (see ``Notification``)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from enquiries.models import Enquiry, Notification
from enquiries.services import tracking_link_create


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
    from enquiries.tasks import send_notification  # tasks import this module

    transaction.on_commit(lambda: send_notification.enqueue(notification_id=notification.pk))
    return notification


def notification_send(*, notification_id: int) -> str:
    """Send the email unless it has gone already; the row lock stops a twin run."""
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
        message = BUILDERS[notification.kind](notification)
        message.send()
        notification.sent_at = timezone.now()
        notification.attempts += 1
        notification.last_error = ""
        notification.save(update_fields=["sent_at", "attempts", "last_error"])
        return "sent"


def notification_record_failure(*, notification_id: int, error: BaseException) -> None:
    Notification.objects.filter(pk=notification_id, sent_at=None).update(
        attempts=F("attempts") + 1, last_error=type(error).__name__[:200]
    )
