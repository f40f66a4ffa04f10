"""What casework publishes to a group's enquiry, and the documents on an enquiry.

The portal shows only these records (``Message``, ``Attachment`` on a message,
``PublicDate``): publishing is the one way information crosses from the desk to
the group. Documents are stored under generated names and served only as
downloads by views that have checked who is asking (``attachment_response``).
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import date
from typing import IO

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, Http404

from enquiries import services as enquiries_services
from enquiries.models import (
    Attachment,
    Enquiry,
    EnquiryEvent,
    Message,
    Notice,
    Notification,
    PublicDate,
    Status,
)
from enquiries.notices import enquiry_notice, wants_email
from enquiries.notifications import notification_owe
from enquiries.uploads import DetectedFile, validate_bytes, validate_upload

logger = logging.getLogger(__name__)


# A downloaded document must never run as a page of this site.
DOWNLOAD_CSP = "sandbox; default-src 'none'"


def _store(
    *,
    enquiry: Enquiry,
    detected: DetectedFile,
    actor: User | None,
    message: Message | None,
) -> Attachment:
    attachment = Attachment(
        enquiry=enquiry,
        message=message,
        original_name=detected.name,
        content_type=detected.content_type,
        size=detected.size,
        sha256=detected.sha256,
        uploaded_by=actor,
    )
    # The storage name comes from ``attachment_upload_to``, not from this name.
    attachment.file.save("upload", ContentFile(detected.content), save=False)
    attachment.save()
    EnquiryEvent.objects.create(
        enquiry=enquiry,
        kind=EnquiryEvent.Kind.ATTACHMENT_ADDED,
        actor=actor,
        data={"attachment": attachment.pk, "public": message is not None},
    )
    return attachment


@transaction.atomic
def attachment_add(
    *,
    enquiry: Enquiry,
    upload: "UploadedFile[bytes]",
    actor: User | None,
    message: Message | None = None,
) -> Attachment:
    """Keep an uploaded document (``UploadRefused`` if it is not one we accept).

    Without ``message`` it is staff-only; with one it is part of the public conversation.
    """
    return _store(enquiry=enquiry, detected=validate_upload(upload), actor=actor, message=message)


def attachment_store_detected(
    *, enquiry: Enquiry, detected: DetectedFile, actor: User | None
) -> Attachment:
    """Keep a staff-only document already checked (``validate_bytes``), in the caller's
    transaction: mail in keeps the documents of a new enquiry this way."""
    return _store(enquiry=enquiry, detected=detected, actor=actor, message=None)


@transaction.atomic
def attachment_add_bytes(
    *,
    enquiry: Enquiry,
    content: bytes,
    name: str,
    actor: User | None,
    message: Message | None = None,
) -> Attachment:
    """Keep a document the desk made itself (a letter's PDF), checked like any upload."""
    return _store(
        enquiry=enquiry, detected=validate_bytes(content, name), actor=actor, message=message
    )


def group_message_add(
    *,
    enquiry: Enquiry,
    body: str,
    channel: str = Message.Channel.PORTAL,
    documents: Sequence[DetectedFile] = (),
    submission_key: str = "",
) -> Message:
    """The group's message on its enquiry, from the tracking page or by email, with
    documents already checked (``validate_upload``/``validate_bytes``). Call with the
    enquiry's row locked, inside the caller's transaction.

    - Recorded on the timeline (``reply_received``).
    - An enquiry waiting for the group goes back to the adviser (``in_progress``) through
      ``enquiry_change_status``, which resumes the service-level clock. Other statuses
      are kept (the adviser decides; a closed enquiry is handled by the caller).
    - The adviser holding it is emailed (reference and a desk link; not the reply).
    """
    message = Message.objects.create(
        enquiry=enquiry,
        sender=Message.Sender.GROUP,
        body=body.strip(),
        channel=channel,
        submission_key=submission_key,
    )
    for document in documents:
        _store(enquiry=enquiry, detected=document, actor=None, message=message)
    enquiries_services.enquiry_record_event(
        enquiry=enquiry,
        kind=EnquiryEvent.Kind.REPLY_RECEIVED,
        actor=None,
        data={"message": message.pk, "documents": len(documents), "channel": str(channel)},
    )
    if enquiry.status == Status.AWAITING_GROUP:
        enquiries_services.enquiry_change_status(
            enquiry=enquiry, status=Status.IN_PROGRESS, actor=None
        )
    adviser = enquiry.assigned_to
    enquiry_notice(
        user=adviser,
        kind=Notice.Kind.REPLY,
        key=f"reply:{message.pk}",
        enquiry=enquiry,
        what="The group replied",
    )
    if adviser is not None and adviser.email and wants_email(adviser, "replies"):
        notification_owe(
            enquiry=enquiry,
            kind=Notification.Kind.REPLY_RECEIVED,
            recipient=adviser.email,
            dedupe_key=f"reply:{message.pk}",
            data={},
        )
    return message


@transaction.atomic
def message_publish(
    *,
    enquiry: Enquiry,
    body: str,
    actor: User,
    files: Iterable["UploadedFile[bytes]"] = (),
    attachments: Iterable[Attachment] = (),
    submission_key: str = "",
    notify: bool = True,
    by_email: bool = False,
) -> Message:
    """Publish a message from the desk to the group's enquiry.

    It counts as the first response, and the group is emailed that there is an update
    (unless ``notify`` is False: a letter's own email says so instead); ``by_email``
    puts the message's text in that email, so the group can answer it by mail. The same
    ``submission_key`` twice (a double click) publishes once. Every file is checked
    before anything is kept: one refused file refuses the whole message.
    """
    # The row lock makes a twin request (a double click) wait, then find the first message.
    enquiry = Enquiry.objects.select_for_update().select_related("contact").get(pk=enquiry.pk)
    if submission_key:
        earlier = Message.objects.filter(enquiry=enquiry, submission_key=submission_key).first()
        if earlier is not None:
            return earlier
    detected = [validate_upload(upload) for upload in files]
    attachments = list(attachments)
    message = Message.objects.create(
        enquiry=enquiry,
        sender=Message.Sender.DESK,
        author=actor,
        body=body,
        channel=Message.Channel.EMAIL if by_email and notify else Message.Channel.PORTAL,
        submission_key=submission_key,
    )
    for item in detected:
        _store(enquiry=enquiry, detected=item, actor=actor, message=message)
    for attachment in attachments:
        if attachment.enquiry_id != enquiry.pk:
            raise ValueError("An attachment can only be published on its own enquiry.")
        attachment.message = message
        attachment.save(update_fields=["message"])
    EnquiryEvent.objects.create(
        enquiry=enquiry,
        kind=EnquiryEvent.Kind.MESSAGE_PUBLISHED,
        actor=actor,
        data={"message": message.pk, "documents": len(detected) + len(attachments)},
    )
    enquiries_services.enquiry_mark_first_response(
        enquiry=enquiry, at=message.created_at, actor=actor
    )
    if notify:
        notification_owe(
            enquiry=enquiry,
            kind=Notification.Kind.UPDATE_PUBLISHED,
            recipient=enquiry.contact.email,
            dedupe_key=f"update:{message.pk}",
            data={"message": message.pk, "by_email": by_email},
        )
    return message


@transaction.atomic
def public_date_publish(
    *,
    enquiry: Enquiry,
    source: str,
    label: str,
    date: date,
    actor: User,
    meaning: str = "",
    legal_source: str = "",
    is_group_deadline: bool = False,
) -> PublicDate:
    """Show a date on the group's tracking page, or update the one from ``source``."""
    public_date, created = PublicDate.objects.update_or_create(
        enquiry=enquiry,
        source=source,
        defaults={
            "label": label,
            "date": date,
            "meaning": meaning,
            "legal_source": legal_source,
            "is_group_deadline": is_group_deadline,
            "published_by": actor,
        },
    )
    EnquiryEvent.objects.create(
        enquiry=enquiry,
        kind=EnquiryEvent.Kind.DATE_PUBLISHED,
        actor=actor,
        data={"source": source, "date": date.isoformat(), "updated": not created},
    )
    return public_date


@transaction.atomic
def public_date_withdraw(*, enquiry: Enquiry, source: str, actor: User | None) -> bool:
    """Stop showing the date published from ``source``. False if it was not shown."""
    deleted, _ = PublicDate.objects.filter(enquiry=enquiry, source=source).delete()
    if deleted:
        EnquiryEvent.objects.create(
            enquiry=enquiry,
            kind=EnquiryEvent.Kind.DATE_PUBLISHED,
            actor=actor,
            data={"source": source, "withdrawn": True},
        )
    return bool(deleted)


def attachment_response(attachment: Attachment) -> FileResponse:
    """The document as a download: never shown inline, never sniffed, never cached.

    A record that outlived its file (a partial restore) is a 404, never a 500.
    """
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        logger.error("attachment %s has no file in storage", attachment.pk)
        raise Http404("This document is no longer available.") from None
    return download_response(
        handle, filename=attachment.original_name, content_type=attachment.content_type
    )


def download_response(handle: IO[bytes], *, filename: str, content_type: str) -> FileResponse:
    """A stored file as a download: never shown inline, never sniffed, never cached."""
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "no-store"
    return response
