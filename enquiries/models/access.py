"""Who reaches an enquiry and how: tracking links, idempotency keys, emails owed, the log
of who opened personal data, and rate-limit counters."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q

from enquiries.models.records import Contact, Enquiry


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TrackingLink(models.Model):
    """A private link to follow an enquiry. Only a SHA-256 of the token is stored."""

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="tracking_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    covers_address = models.BooleanField(
        default=False,
        help_text=(
            "Sent by email to the contact's address, so it opens every enquiry that address "
            "may follow. A link shown on screen at intake opens only its own enquiry: "
            "whoever submitted the form has not shown they can read that mailbox."
        ),
    )
    expires_at = models.DateTimeField(help_text="Pushed forward each time the link is used.")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"link for enquiry {self.enquiry_id}"


class IdempotencyKey(models.Model):
    """Remembers an API submission so that a retry returns the first result."""

    key = models.CharField(max_length=255, unique=True)
    request_hash = models.CharField(max_length=64)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"idempotency key for enquiry {self.enquiry_id}"


class Notification(models.Model):
    """An email the desk owes someone. Sent at most once, whatever retries happen."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement to the group"
        DEADLINE_REMINDER = "deadline_reminder", "Deadline reminder to the adviser"
        UPDATE_PUBLISHED = "update_published", "Update published, to the group"
        LETTER_ISSUED = "letter_issued", "Letter published, to the group"
        LETTER_EMAILED = "letter_emailed", "Letter as an attachment, to the group"
        GROUP_DEADLINE = "group_deadline", "Deadline reminder to the group"
        NEW_LINK = "new_link", "Fresh tracking link, to the group"
        REPLY_RECEIVED = "reply_received", "Reply from the group, to the adviser"
        ASSIGNED = "assigned", "New assignment, to the adviser"
        FEEDBACK_REQUEST = "feedback_request", "Feedback survey, to the group"

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    recipient = models.EmailField()
    dedupe_key = models.CharField(max_length=100, unique=True)
    data = models.JSONField(
        default=dict, blank=True, help_text="What the email says, fixed when it was owed."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} for enquiry {self.enquiry_id}"


class PersonalDataAccess(models.Model):
    """A member of staff opened personal data (page or API): who, what, when. What was
    opened is an enquiry (its contact, messages, letters) or a contact record on its own
    (the contacts API)."""

    class Channel(models.TextChoices):
        PAGE = "page", "Desk page"
        API = "api", "API"

    enquiry = models.ForeignKey(
        Enquiry, on_delete=models.CASCADE, related_name="accesses", null=True, blank=True
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="accesses", null=True, blank=True
    )
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-viewed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enquiry__isnull=False) | Q(contact__isnull=False),
                name="access_names_what_was_opened",
            ),
        ]
        indexes = [
            models.Index(fields=["enquiry", "-viewed_at"], name="access_enquiry_viewed_idx"),
            models.Index(fields=["contact", "-viewed_at"], name="access_contact_viewed_idx"),
            models.Index(fields=["viewer", "-viewed_at"], name="access_viewer_viewed_idx"),
        ]

    def __str__(self) -> str:
        opened = f"enquiry {self.enquiry_id}" if self.enquiry_id else f"contact {self.contact_id}"
        return f"{self.viewer_id} viewed {opened} at {self.viewed_at:%Y-%m-%d %H:%M}"


class RateLimitCounter(models.Model):
    """The hits one key (a client address, an email address) made in one fixed window of
    one limit (``enquiries.ratelimit``). Counted with ``UPDATE ... SET hits = hits + 1``,
    so every server process counts every hit (the database cache's add-then-incr reads
    and writes separately and loses concurrent ones). The key is kept only as a keyed
    hash (HMAC with ``SECRET_KEY``); rows of ended windows are pruned daily."""

    scope = models.CharField(max_length=40)
    key_hash = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="When the window ends; pruned after.")
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key_hash", "window_start"], name="rate_limit_counter_once"
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="rate_limit_counter_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.scope} {self.hits} hits from {self.window_start:%Y-%m-%d %H:%M}"
