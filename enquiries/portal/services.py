"""Writes for the group portal: replies, link use, rotation, revocation and fresh links.

The group has no account, so ``actor`` is None in the events written here (staff
revocation and resending take the member of staff). Emails are owed through
``notification_owe`` and leave only after the transaction commits.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from enquiries import ratelimit
from enquiries import services as enquiries_services
from enquiries.conversation.services import group_message_add
from enquiries.models import (
    Enquiry,
    EnquiryEvent,
    Message,
    Notification,
    PublicDate,
    Status,
    TrackingLink,
)
from enquiries.notifications import notification_keys_owed, notification_owe
from enquiries.portal import selectors
from enquiries.portal.selectors import PortalScope
from enquiries.uploads import DetectedFile, UploadRefused, validate_upload

logger = logging.getLogger(__name__)


MAX_FILES_PER_REPLY = 5


# Refresh a link's expiry at most once a day: a reader reloading the page writes nothing.
LINK_REFRESH_INTERVAL = timedelta(days=1)


@dataclass(frozen=True)
class ReplyReceived:
    message: Message
    created: bool  # False: the same submission came again (a double click, a retry)


def tracking_link_touch(*, link: TrackingLink, now: datetime | None = None) -> bool:
    """Push a used link's expiry forward (``TRACKING_LINK_DAYS`` from now).

    The one write a GET makes, and deliberately so: links expire after a period of
    *non-use*, so reading the page must count as use. It is idempotent (a reload or a
    prefetch changes nothing anyone sees), touches no enquiry data, records no event,
    and happens at most once a day per link (one conditional UPDATE, no read first).
    """
    now = now or timezone.now()
    updated = TrackingLink.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LINK_REFRESH_INTERVAL),
        pk=link.pk,
        revoked_at__isnull=True,
    ).update(last_used_at=now, expires_at=now + timedelta(days=settings.TRACKING_LINK_DAYS))
    return bool(updated)


def _links_reaching(enquiry: Enquiry) -> Q:
    """Every link whose scope includes ``enquiry``: links of enquiries sent from the same
    address, and of the organisation's registered contact."""
    emails = [enquiry.contact.email]
    organisation = enquiry.organisation
    if organisation is not None and organisation.registered_contact is not None:
        emails.append(organisation.registered_contact.email)
    q = Q()
    for email in emails:
        q |= Q(enquiry__contact__email__iexact=email)
    return q


@transaction.atomic
def tracking_links_revoke(*, enquiry: Enquiry, actor: User) -> int:
    """Staff stop every live link that opens this enquiry (a link forwarded to the wrong
    person, a contact who left the group). Returns how many were revoked."""
    enquiry = Enquiry.objects.select_for_update().select_related("contact").get(pk=enquiry.pk)
    now = timezone.now()
    count = TrackingLink.objects.filter(_links_reaching(enquiry), revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    enquiries_services.enquiry_record_event(
        enquiry=enquiry, kind=EnquiryEvent.Kind.LINK_REVOKED, actor=actor, data={"links": count}
    )
    return count


def _owe_new_link(*, enquiry: Enquiry, recipient: str, key: str) -> Notification | None:
    """The NEW_LINK email mints its own link when it is sent: raw tokens are never stored."""
    return notification_owe(
        enquiry=enquiry,
        kind=Notification.Kind.NEW_LINK,
        recipient=recipient,
        dedupe_key=f"new-link:{key}"[:100],
        data={},
    )


@transaction.atomic
def tracking_link_send(*, enquiry: Enquiry, actor: User, key: str) -> bool:
    """Staff send a fresh link to the enquiry's contact (after revoking, say). ``key``
    identifies the request, so a double click sends one email."""
    owed = _owe_new_link(
        enquiry=enquiry, recipient=enquiry.contact.email, key=f"staff:{enquiry.pk}:{key}"
    )
    if owed is not None:
        enquiries_services.enquiry_record_event(
            enquiry=enquiry, kind=EnquiryEvent.Kind.LINK_SENT, actor=actor, data={"by": "staff"}
        )
    return owed is not None


@transaction.atomic
def tracking_link_rotate(*, scope: PortalScope, key: str) -> None:
    """The group asks for a new link from the page: this one stops working now and a
    new one is emailed to the address it was sent to (only there)."""
    TrackingLink.objects.filter(pk=scope.link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    owed = _owe_new_link(
        enquiry=scope.enquiry, recipient=scope.email, key=f"rotate:{scope.link.pk}:{key}"
    )
    if owed is not None:
        enquiries_services.enquiry_record_event(
            enquiry=scope.enquiry,
            kind=EnquiryEvent.Kind.LINK_SENT,
            actor=None,
            data={"by": "group", "rotated": True},
        )


def new_link_request(*, email: str, key: str) -> bool:
    """Someone typed ``email`` on the "send me a new link" page (run in a task, so the
    page answers the same, in the same time, whether or not the address is known).

    One email to that address, and only there, opening every enquiry sent from it (and
    its organisation's, for a registered contact). Nothing happens for an unknown one.
    """
    email = email.strip()
    newest = (
        Enquiry.objects.filter(contact__email__iexact=email)
        .select_related("contact")
        .order_by("-received_at", "-pk")
        .first()
    )
    if newest is None:
        return False
    with transaction.atomic():
        owed = _owe_new_link(enquiry=newest, recipient=newest.contact.email, key=f"ask:{key}")
        if owed is not None:
            enquiries_services.enquiry_record_event(
                enquiry=newest, kind=EnquiryEvent.Kind.LINK_SENT, actor=None, data={"by": "group"}
            )
    return owed is not None


def _check_files(files: Sequence["UploadedFile[bytes]"]) -> list[DetectedFile]:
    """Every file checked before anything is kept: one refused file refuses the reply."""
    if len(files) > MAX_FILES_PER_REPLY:
        raise UploadRefused(f"Please attach no more than {MAX_FILES_PER_REPLY} files at a time.")
    return [validate_upload(upload) for upload in files]


@transaction.atomic
def reply_twin_settled(*, enquiry: Enquiry, submission_key: str) -> bool:
    """Wait for a twin of this submission still being saved (it holds the enquiry's row
    lock in ``reply_receive``; on SQLite, the write lock), then say whether it kept the
    reply. For a request about to be refused: its twin may have been let through."""
    if not submission_key:
        return False
    Enquiry.objects.select_for_update().only("pk").get(pk=enquiry.pk)
    return Message.objects.filter(enquiry=enquiry, submission_key=submission_key).exists()


@transaction.atomic
def reply_receive(
    *,
    enquiry: Enquiry,
    body: str,
    files: Sequence["UploadedFile[bytes]"] = (),
    submission_key: str = "",
) -> ReplyReceived:
    """The group replies on its tracking page, with documents.

    - The same ``submission_key`` twice (a double click, a retried POST) keeps one
      message: the enquiry row is locked first, so a twin request waits, then finds it.
    - Files are checked by content (``validate_upload``) before anything is saved;
      ``UploadRefused`` leaves nothing behind.
    - An enquiry waiting for the group goes back to the adviser (``in_progress``) through
      ``enquiry_change_status``, which resumes the service-level clock.
    - A closed enquiry stays closed: closing recorded an outcome, and reopening is the
      adviser's decision; the reply is kept and the adviser told, so nothing is lost.
      Received and answered enquiries keep their status too (the adviser decides).
    - The adviser holding it is emailed (reference and a desk link; not the reply).
    """
    enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    if submission_key:
        earlier = Message.objects.filter(enquiry=enquiry, submission_key=submission_key).first()
        if earlier is not None:
            return ReplyReceived(message=earlier, created=False)
    documents = _check_files(files)
    message = group_message_add(
        enquiry=enquiry, body=body, documents=documents, submission_key=submission_key
    )
    logger.info("reply received reference=%s documents=%d", enquiry.reference, len(files))
    return ReplyReceived(message=message, created=True)


@dataclass(frozen=True)
class ReplyPosted:
    """What became of one post of the group's reply form."""

    kept: bool = False  # the reply is kept: by this post, or by an earlier one of the form
    created: bool = False  # kept by this post
    wait: int = 0  # refused by the limits, nothing kept: seconds before trying again


def reply_post(
    *,
    enquiry: Enquiry,
    scope: PortalScope,
    client: str,
    submission_key: str,
    body: str | None,
    files: Sequence["UploadedFile[bytes]"] = (),
) -> ReplyPosted:
    """One post of the reply form, from ``client`` (its address) through ``scope``'s link.

    The order keeps a double click or a retry harmless near the limits: a post of a form
    whose reply is kept already is answered as the first was, before anything is counted;
    then the post is counted (client and address: ``ratelimit.portal_hits``), valid or
    not, so probing costs allowance too. A refused post whose twin is still being saved
    waits for it and, if the twin kept the reply, is answered as it was, not "not sent".
    ``body`` None: the form refused the post's shape, so nothing more happens. Else the
    reply is received (``reply_receive``; ``UploadRefused`` for a refused document).
    """
    if selectors.reply_already_received(enquiry=enquiry, submission_key=submission_key):
        return ReplyPosted(kept=True)
    allowed, wait = ratelimit.portal_hits(client, action="reply", address=scope.email)
    if not allowed:
        if reply_twin_settled(enquiry=enquiry, submission_key=submission_key):
            return ReplyPosted(kept=True)
        return ReplyPosted(wait=wait)
    if body is None:
        return ReplyPosted()
    received = reply_receive(enquiry=enquiry, body=body, files=files, submission_key=submission_key)
    return ReplyPosted(kept=True, created=received.created)


GROUP_REMINDER_EARLY, GROUP_REMINDER_LATE = 14, 3  # days before the date


def group_reminder_owed(days_left: int) -> int | None:
    """Which reminder a group deadline ``days_left`` away is owed, by window, so that a
    daily run that did not happen (a server down, a cron line missed) only delays it:
    the 14-day one while 3 < days left <= 14, the 3-day one while 0 <= days left <= 3
    (never the 14-day one once within 3 days: the 3-day one says it better)."""
    if GROUP_REMINDER_LATE < days_left <= GROUP_REMINDER_EARLY:
        return GROUP_REMINDER_EARLY
    if 0 <= days_left <= GROUP_REMINDER_LATE:
        return GROUP_REMINDER_LATE
    return None


def _group_reminder_key(public_date: PublicDate, today: date) -> str:
    reminder = group_reminder_owed((public_date.date - today).days)
    return f"group-deadline:{public_date.pk}:{public_date.date}:{reminder}"


def group_deadline_reminders_send(*, today: date | None = None) -> int:
    """Email each group about the dates its adviser marked as the group's to act by
    (``PublicDate.is_group_deadline``) on open enquiries: once 14 days before, once 3
    days before (``group_reminder_owed``), each at the first run in its window.

    Once each: the dedupe key is (public date, its date, 14|3), so a run repeated the
    same day, the next days in the same window, or a twin run owes nothing new, while a
    date the adviser moves gets its own reminders. Each reminder's record and its task
    are written in one transaction (``notification_owe``): never one without the other.
    Run daily; returns how many were owed now.
    """
    today = today or timezone.localdate()
    dates = list(
        PublicDate.objects.filter(
            is_group_deadline=True,
            date__range=(today, today + timedelta(days=GROUP_REMINDER_EARLY)),
            enquiry__status__in=Status.open_values(),
        )
        .select_related("enquiry__contact")
        .order_by("date", "pk")
    )
    keys = {public_date.pk: _group_reminder_key(public_date, today) for public_date in dates}
    already = notification_keys_owed(keys=list(keys.values()))
    owed = 0
    for public_date in dates:
        if keys[public_date.pk] in already:
            continue
        with transaction.atomic():
            notification = notification_owe(
                enquiry=public_date.enquiry,
                kind=Notification.Kind.GROUP_DEADLINE,
                recipient=public_date.enquiry.contact.email,
                dedupe_key=keys[public_date.pk],
                data={
                    "label": public_date.label,
                    "date_display": f"{public_date.date:%A %-d %B %Y}",
                    "days": (public_date.date - today).days,
                    "meaning": public_date.meaning,
                    "legal_source": public_date.legal_source,
                },
            )
        owed += notification is not None
    return owed
