"""Emails the desk owes people, sent at most once each (see ``Notification``)."""

import logging
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config.inserts import insert_unless_present
from enquiries.mail import addresses
from enquiries.models import Attachment, Enquiry, InboundMail, Message, Notice, Notification
from enquiries.notices import enquiry_notice, enquiry_path, wants_email
from enquiries.portal.selectors import enquiries_in_scope_q
from enquiries.services import tracking_link_create

logger = logging.getLogger(__name__)


def tracking_url(token: str) -> str:
    return settings.SITE_URL + reverse("enquiries:track", args=[token])


def _to_group_with_link(
    notification: Notification, *, subject: str, template: str, extra: dict | None = None
) -> EmailMultiAlternatives:
    """To the group, with a fresh link to its tracking page: raw tokens are never
    stored, so the one shown on the confirmation page cannot be recovered here."""
    enquiry = notification.enquiry
    context = {
        **(extra or {}),
        "enquiry": enquiry,
        "contact_name": enquiry.contact.name,
        "tracking_url": tracking_url(tracking_link_create(enquiry=enquiry, covers_address=True)),
    }
    return _both(
        notification,
        subject=f"[{enquiry.reference}] {subject}"[:200],
        template=template,
        context=context,
    )


def _acknowledgement(notification: Notification) -> EmailMultiAlternatives:
    return _to_group_with_link(
        notification, subject="We have received your enquiry", template="acknowledgement"
    )


def _deadline_reminder(notification: Notification) -> EmailMultiAlternatives:
    """To the adviser holding the enquiry: what the clock is, when it ends, where to look.

    Only what the adviser sees on the desk: no contact details of the group.
    """
    reference = notification.enquiry.reference
    return _both(
        notification,
        subject=f"[{reference}] {notification.data['headline']}",
        template="deadline_reminder",
        context={**notification.data, "reference": reference},
    )


def _update_published(notification: Notification) -> EmailMultiAlternatives:
    """To the group: there is an update, and where to read it; sent by email (the
    adviser's choice), the update's text too, which the group can answer by mail."""
    text = ""
    if notification.data.get("by_email") and notification.data.get("message"):
        message = Message.objects.filter(
            pk=notification.data["message"], enquiry=notification.enquiry_id
        ).first()
        text = message.body if message else ""
    return _to_group_with_link(
        notification,
        subject="There is an update on your enquiry",
        template="update_published",
        extra={"update_text": text},
    )


# Emails to the group that the desk sends by itself, not an adviser's words: marked
# ``Auto-Submitted: auto-generated`` so that auto-responders stay quiet (RFC 3834).
AUTOMATIC_TO_GROUP = {
    Notification.Kind.ACKNOWLEDGEMENT,
    Notification.Kind.GROUP_DEADLINE,
    Notification.Kind.NEW_LINK,
}
TO_GROUP = AUTOMATIC_TO_GROUP | {
    Notification.Kind.UPDATE_PUBLISHED,
    Notification.Kind.LETTER_ISSUED,
    Notification.Kind.LETTER_EMAILED,
}


def _thread_headers(notification: Notification) -> tuple[dict[str, str], list[str]]:
    """(headers, reply-to) threading an email into its enquiry's conversation.

    Every email has a stable Message-ID and refers to the enquiry's thread; one to the
    group also answers the group's latest email (when it wrote by mail) and carries the
    signed reply address, so that their answer comes back to this enquiry. Staff emails
    carry no reply address: an adviser's reply must not land in the group's conversation.
    """
    reference = notification.enquiry.reference
    thread = addresses.thread_id(reference)
    headers = {"Message-ID": addresses.message_id(reference, f"n{notification.pk}")}
    if notification.kind not in TO_GROUP:
        headers["Auto-Submitted"] = "auto-generated"
        headers["References"] = thread
        return headers, []
    newest = (
        InboundMail.objects.filter(enquiry=notification.enquiry_id)
        .exclude(internet_message_id="")
        .order_by("-received_at", "-pk")
        .values_list("internet_message_id", flat=True)[:20]
    )
    ids = list(reversed(newest))
    headers["References"] = " ".join([thread, *ids])
    headers["In-Reply-To"] = ids[-1] if ids else thread
    if notification.kind in AUTOMATIC_TO_GROUP:
        headers["Auto-Submitted"] = "auto-generated"
    return headers, [addresses.reply_address(reference)]


def _both(
    notification: Notification, *, subject: str, template: str, context: dict
) -> EmailMultiAlternatives:
    """A plain-text body with an HTML alternative, both from ``email/<template>``, with the
    headers that thread it (``_thread_headers``)."""
    context = {**context, "service_name": settings.SERVICE_NAME}
    headers, reply_to = _thread_headers(notification)
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"enquiries/email/{template}.txt", context),
        to=[notification.recipient],
        headers=headers,
        reply_to=reply_to,
    )
    message.attach_alternative(
        render_to_string(f"enquiries/email/{template}.html", context), "text/html"
    )
    return message


def _desk_url(enquiry: Enquiry) -> str:
    return settings.SITE_URL + enquiry_path(enquiry)


def _new_link(notification: Notification) -> EmailMultiAlternatives:
    """To the address that asked (or the contact, when staff resend): a fresh link that
    opens every enquiry the address may follow, listed by reference and subject (the
    recipient's own records: nothing they could not already see)."""
    enquiry = notification.enquiry
    enquiries = list(
        Enquiry.objects.filter(enquiries_in_scope_q(notification.recipient))
        .only("reference", "subject")
        .order_by("-received_at", "-pk")[:50]
    )
    context = {
        "enquiry": enquiry,
        "enquiries": enquiries,
        "tracking_url": tracking_url(tracking_link_create(enquiry=enquiry, covers_address=True)),
    }
    return _both(
        notification,
        subject=f"[{enquiry.reference}] Your new link to follow your enquiry",
        template="new_link",
        context=context,
    )


def _days_away(days: int) -> tuple[str, str]:
    """(for the subject, for the body): "3 days left", "is 3 days away"; "1 day"; "today"."""
    if days == 0:
        return "Today", "is today"
    unit = "day" if days == 1 else "days"
    return f"{days} {unit} left", f"is {days} {unit} away"


def _group_deadline(notification: Notification) -> EmailMultiAlternatives:
    """To the group: a date they must act by is about 14 or 3 days away (what, when, why);
    the days left as they are when the reminder is owed (a late run says 13)."""
    data = notification.data
    left, away = _days_away(int(data["days"]))
    return _to_group_with_link(
        notification,
        subject=f"{left}: {data['label']}",
        template="group_deadline",
        extra={**data, "days_away": away},
    )


def _reply_received(notification: Notification) -> EmailMultiAlternatives:
    """To the adviser holding the enquiry: the group replied. The reference and where to
    read it; not the reply itself, which stays on the desk."""
    enquiry = notification.enquiry
    return _both(
        notification,
        subject=f"[{enquiry.reference}] The group has replied",
        template="reply_received",
        context={"enquiry": enquiry, "desk_url": _desk_url(enquiry)},
    )


def _assigned(notification: Notification) -> EmailMultiAlternatives:
    """To an adviser given an enquiry (by routing or by a manager): the reference, the
    topic and where to find it. The group's details stay on the desk."""
    enquiry = notification.enquiry
    return _both(
        notification,
        subject=f"[{enquiry.reference}] An enquiry is now yours",
        template="assigned",
        context={
            "enquiry": enquiry,
            "topic": enquiry.topic.name if enquiry.topic else "",
            "desk_url": _desk_url(enquiry),
        },
    )


def assignment_notification_owe(
    *, enquiry: Enquiry, assignee, actor, assignment_id: int
) -> Notification | None:
    """Tell an adviser about a new assignment (an in-app notice, and an email after the
    commit). Not when they took it themselves (a claim); no email without an address."""
    if assignee is None or (actor is not None and actor.pk == assignee.pk):
        return None
    enquiry_notice(
        user=assignee,
        kind=Notice.Kind.ASSIGNED,
        key=f"assigned:{assignment_id}",
        enquiry=enquiry,
        what="Now yours",
    )
    if not assignee.email or not wants_email(assignee, "assigned"):
        return None
    return notification_owe(
        enquiry=enquiry,
        kind=Notification.Kind.ASSIGNED,
        recipient=assignee.email,
        dedupe_key=f"assigned:{assignment_id}",
        data={},
    )


def _letter_issued(notification: Notification) -> EmailMultiAlternatives:
    """To the group: a letter is on their tracking page (its title, the reference, a fresh
    private link). The letter itself stays behind the link."""
    return _to_group_with_link(
        notification,
        subject="We have sent you a letter",
        template="letter_issued",
        extra={"title": notification.data.get("title", "")},
    )


def _letter_emailed(notification: Notification) -> EmailMultiAlternatives:
    """To the group: the letter as a PDF attachment (the document kept on the enquiry)."""
    enquiry = notification.enquiry
    message = _both(
        notification,
        subject=f"[{enquiry.reference}] Our letter: {notification.data.get('title', '')}"[:200],
        template="letter_emailed",
        context={
            "enquiry": enquiry,
            "contact_name": enquiry.contact.name,
            "title": notification.data.get("title", ""),
        },
    )
    document = Attachment.objects.get(pk=notification.data["attachment"], enquiry=enquiry)
    with document.file.open("rb") as handle:
        message.attach(document.original_name, handle.read(), document.content_type)
    return message


def _feedback_request(notification: Notification) -> EmailMultiAlternatives:
    """To the group, some days after its enquiry closed: a link to the one-page survey."""
    enquiry = notification.enquiry
    token = tracking_link_create(enquiry=enquiry)
    survey = settings.SITE_URL + reverse(
        "enquiries:track_feedback", args=[token, enquiry.reference]
    )
    return _both(
        notification,
        subject=f"[{enquiry.reference}] Did we help? Two questions about your enquiry",
        template="feedback_request",
        context={"enquiry": enquiry, "contact_name": enquiry.contact.name, "survey_url": survey},
    )


BUILDERS: dict[str, Callable[[Notification], EmailMultiAlternatives]] = {
    Notification.Kind.FEEDBACK_REQUEST: _feedback_request,
    Notification.Kind.LETTER_ISSUED: _letter_issued,
    Notification.Kind.LETTER_EMAILED: _letter_emailed,
    Notification.Kind.ACKNOWLEDGEMENT: _acknowledgement,
    Notification.Kind.UPDATE_PUBLISHED: _update_published,
    Notification.Kind.DEADLINE_REMINDER: _deadline_reminder,
    Notification.Kind.NEW_LINK: _new_link,
    Notification.Kind.GROUP_DEADLINE: _group_deadline,
    Notification.Kind.REPLY_RECEIVED: _reply_received,
    Notification.Kind.ASSIGNED: _assigned,
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

    The record and its task (``queue_notification``) are written in one transaction,
    also when the caller has none (a daily command): a failure between the two leaves
    neither, so the next run owes it again instead of finding it owed and never sent.

    Returns None when it was owed before (by this run, an earlier one, or a twin
    running at the same moment: the unique key decides, in the database).
    """
    from enquiries.tasks import queue_notification  # tasks import this module

    notification = Notification(
        enquiry=enquiry, kind=kind, recipient=recipient, dedupe_key=dedupe_key, data=data
    )
    # One statement, no savepoint (``insert_unless_present``); inside a caller's
    # transaction no savepoint either: a failure here fails the caller's work too.
    with transaction.atomic(savepoint=False):
        if not insert_unless_present(notification, unique_field="dedupe_key"):
            return None
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
