"""Organisations, contacts, enquiries (``records``), how people reach them (``access``),
and here the public record of each enquiry: messages, documents and published dates.
All importable from ``enquiries.models``; ``attachment_upload_to`` stays in this module
because migrations name it by that path."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enquiries.models.access import (
    IdempotencyKey,
    Notification,
    PersonalDataAccess,
    RateLimitCounter,
    TrackingLink,
    hash_token,
)
from enquiries.models.feedback import FeedbackRequest
from enquiries.models.mail import InboundMail, inbound_mail_upload_to
from enquiries.models.notices import EmailPreference, Notice
from enquiries.models.records import (
    STATUS_TRANSITIONS,
    Channel,
    Contact,
    EnquirerType,
    Enquiry,
    EnquiryEvent,
    EnquiryQuerySet,
    Organisation,
    Priority,
    ReferenceCounter,
    Status,
)
from enquiries.models.retention import RetentionPolicy


class Message(models.Model):
    """A public timeline entry the group can see: from the group or from the desk."""

    class Sender(models.TextChoices):
        GROUP = "group", "Group"
        DESK = "desk", "Desk"

    class Channel(models.TextChoices):
        PORTAL = "portal", "Tracking page"
        EMAIL = "email", "Email"

    # The column is unbounded: a reply from the group or an update from the desk is at
    # most this long.
    BODY_MAX_LENGTH = 10_000

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=8, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    channel = models.CharField(
        max_length=8,
        choices=Channel.choices,
        default=Channel.PORTAL,
        help_text="How it travelled: written on the tracking page, or sent by email.",
    )
    submission_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="From the form that sent it: a double click or a retry makes one message.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enquiry", "submission_key"],
                condition=~Q(submission_key=""),
                name="message_submission_once",
            ),
        ]
        indexes = [
            models.Index(fields=["enquiry", "created_at"], name="message_enquiry_created_idx")
        ]

    def __str__(self) -> str:
        return f"{self.enquiry_id} {self.sender} {self.created_at:%Y-%m-%d}"


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    """A generated name: nothing the uploader chose reaches the file system."""
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A document on an enquiry. With a ``message`` it is public (the group sees it);
    without, it is staff-only. Served only through views that check access, as a download.
    """

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_upload_to, max_length=200)
    original_name = models.CharField(max_length=200, help_text="Shown, never used as a path.")
    content_type = models.CharField(max_length=100, help_text="Detected from the content.")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the group uploaded it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["enquiry", "created_at"], name="attachment_enquiry_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name


class PublicDate(models.Model):
    """A date casework has published to the group (a key date or a deadline it starts).

    ``source`` names where it came from (for example ``deadline:42``) so that casework can
    update or withdraw it; the portal reads only this table, never casework's records.
    """

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="public_dates")
    source = models.CharField(max_length=60)
    label = models.CharField(max_length=200)
    date = models.DateField()
    meaning = models.CharField(max_length=300, blank=True)
    legal_source = models.CharField(max_length=300, blank=True)
    is_group_deadline = models.BooleanField(
        default=False,
        help_text="The group must act by this date: remind them 14 and 3 days before.",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enquiry", "source"], name="public_date_once"),
        ]
        indexes = [
            models.Index(
                fields=["date"], condition=Q(is_group_deadline=True), name="public_date_group_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enquiry_id} {self.label} {self.date}"


__all__ = [
    "EmailPreference",
    "Notice",
    "FeedbackRequest",
    "RetentionPolicy",
    "EnquirerType",
    "Channel",
    "Status",
    "STATUS_TRANSITIONS",
    "Priority",
    "Organisation",
    "Contact",
    "ReferenceCounter",
    "EnquiryQuerySet",
    "Enquiry",
    "EnquiryEvent",
    "Message",
    "attachment_upload_to",
    "Attachment",
    "PublicDate",
    "InboundMail",
    "inbound_mail_upload_to",
    "hash_token",
    "TrackingLink",
    "IdempotencyKey",
    "Notification",
    "PersonalDataAccess",
    "RateLimitCounter",
]
