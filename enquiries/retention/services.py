"""Anonymising what enquiries holds about people, for the retention job and erasure
(casework decides which enquiries; docs/data-protection.md says what is kept).

Kept: every row and every field a report counts (reference, channel, topic, area, dates,
status, service levels, who held it, the organisation's type). Removed: identities and
free text (subject, message, the asset, the conversation's text, documents, email
sources and addresses, tracking links), including the earlier versions in the history.
"""

from collections.abc import Iterable
from datetime import datetime

from django.core.files.storage import default_storage
from django.db import models, transaction

from enquiries.models import (
    Attachment,
    Contact,
    Enquiry,
    EnquiryEvent,
    FeedbackRequest,
    IdempotencyKey,
    InboundMail,
    Message,
    Notification,
    Organisation,
    TrackingLink,
)

ANONYMISED = "(anonymised)"
_ENQUIRY_TEXT = {"subject": ANONYMISED, "message": "", "asset_name": "", "asset_address": ""}
_MAIL_IDENTITY = {
    "raw": "",
    "from_address": "",
    "from_name": "",
    "subject": "",
    "internet_message_id": "",
    "refused_attachments": [],
}


def delete_files_after_commit(names: Iterable[str]) -> None:
    """Files go once the rows that named them are gone for good (a rollback keeps both)."""
    names = [name for name in names if name]

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    if names:
        transaction.on_commit(delete)


def enquiries_anonymise(*, enquiry_ids: list[int], now: datetime) -> list[int]:
    """Remove personal data and free text from these enquiries (those not anonymised yet);
    returns the ids it anonymised. Call inside the caller's transaction."""
    ids = list(
        Enquiry.objects.filter(pk__in=enquiry_ids, anonymised_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return []
    documents = Attachment.objects.filter(enquiry_id__in=ids)
    files = list(documents.values_list("file", flat=True))
    documents.delete()
    mail = InboundMail.objects.filter(enquiry_id__in=ids)
    files += mail.exclude(raw="").values_list("raw", flat=True)
    mail.update(**_MAIL_IDENTITY)
    Message.objects.filter(enquiry_id__in=ids).update(body=ANONYMISED, submission_key="")
    # The group's words go; the score and what happened next (figures reports count) stay.
    FeedbackRequest.objects.filter(enquiry_id__in=ids).exclude(comment="").update(comment="")
    Notification.objects.filter(enquiry_id__in=ids).update(recipient="", data={})
    TrackingLink.objects.filter(enquiry_id__in=ids).delete()
    IdempotencyKey.objects.filter(enquiry_id__in=ids).delete()
    # The plain queryset update: ``EnquiryQuerySet.update`` would copy each row into the
    # history, and the history's earlier versions are scrubbed just below.
    models.QuerySet.update(Enquiry.objects.filter(pk__in=ids), anonymised_at=now, **_ENQUIRY_TEXT)
    Enquiry.history.model.objects.filter(id__in=ids).update(**_ENQUIRY_TEXT)
    EnquiryEvent.objects.bulk_create(
        [EnquiryEvent(enquiry_id=pk, kind=EnquiryEvent.Kind.ANONYMISED, data={}) for pk in ids]
    )
    delete_files_after_commit(files)
    return ids


def people_erase(*, enquiry_ids: list[int], now: datetime) -> tuple[int, int]:
    """Erase the contacts, and anonymise the organisations, of these enquiries that have no
    enquiry left inside retention (every one of theirs anonymised). Returns (contacts,
    organisations)."""
    contact_ids = set(
        Enquiry.objects.filter(pk__in=enquiry_ids).values_list("contact_id", flat=True)
    )
    organisation_ids = set(
        Enquiry.objects.filter(pk__in=enquiry_ids, organisation__isnull=False).values_list(
            "organisation_id", flat=True
        )
    )
    contacts = (
        Contact.objects.filter(pk__in=contact_ids, erased_at__isnull=True)
        .exclude(enquiries__anonymised_at__isnull=True)
        .update(
            name=ANONYMISED,
            email="",
            phone="",
            accessibility_needs="",
            email_failure="",
            erased_at=now,
        )
    )
    organisations = (
        Organisation.objects.filter(pk__in=organisation_ids, anonymised_at__isnull=True)
        .exclude(enquiries__anonymised_at__isnull=True)
        .update(name="Anonymised organisation", postcode="", anonymised_at=now)
    )
    return contacts, organisations


def unlinked_mail_scrub(*, before: datetime) -> int:
    """Mail that made no enquiry (auto-replies, bounces, loops, quarantine) keeps its
    senders' addresses only until the retention period has passed."""
    old = InboundMail.objects.filter(enquiry__isnull=True, received_at__lt=before).exclude(
        from_address="", raw=""
    )
    files = list(old.exclude(raw="").values_list("raw", flat=True))
    count = old.update(**_MAIL_IDENTITY)
    delete_files_after_commit(files)
    return count
