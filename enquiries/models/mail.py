"""Mail that reached the desk: every message kept once, with what became of it."""

from django.db import models
from django.utils import timezone

from enquiries.models.records import Enquiry


def inbound_mail_upload_to(instance: "InboundMail", filename: str) -> str:
    """A generated name: nothing a sender chose reaches the file system."""
    import uuid

    return f"mail/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.eml"


class InboundMail(models.Model):
    """One message that arrived by email (an IMAP mailbox or the mail server's pipe).

    Kept whatever became of it, so that it is stored at most once (``dedupe_key``: its
    ``Message-ID``, or a hash of the raw message when it has none) and staff can read
    why it did or did not become an enquiry. The raw source is kept as a file and
    served only as a ``.eml`` download, never rendered.
    """

    class Outcome(models.TextChoices):
        ENQUIRY = "enquiry", "New enquiry"
        REPLY = "reply", "Reply added to its enquiry"
        FOLLOW_UP = "follow_up", "Reply to a closed enquiry: new enquiry"
        TRIAGE = "triage", "New enquiry for triage (sender not the contact)"
        AUTOMATIC = "automatic", "Automatic reply or list mail: recorded only"
        BOUNCE = "bounce", "Bounce of our mail"
        LOOP = "loop", "Loop: recorded only"
        QUARANTINED = "quarantined", "Quarantined"
        DISCARDED = "discarded", "Deleted from quarantine"

    SOURCE_PIPE = "pipe"

    dedupe_key = models.CharField(max_length=255, unique=True)
    internet_message_id = models.CharField(
        max_length=255, blank=True, help_text="Its Message-ID, for threading our answers."
    )
    source = models.CharField(max_length=60, help_text="pipe, or imap:<mailbox>.")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Its Date header.")
    received_at = models.DateTimeField(default=timezone.now)
    size = models.PositiveIntegerField()
    raw = models.FileField(upload_to=inbound_mail_upload_to, max_length=200, blank=True)
    enquiry = models.ForeignKey(
        Enquiry, null=True, blank=True, on_delete=models.CASCADE, related_name="inbound_mail"
    )
    message = models.OneToOneField(
        "enquiries.Message",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="email",
    )
    refused_attachments = models.JSONField(
        default=list, blank=True, help_text="[{name, reason}] for each attachment not kept."
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["outcome", "-received_at"], name="inbound_outcome_idx"),
            models.Index(fields=["from_address", "received_at"], name="inbound_sender_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} {self.received_at:%Y-%m-%d %H:%M}"
