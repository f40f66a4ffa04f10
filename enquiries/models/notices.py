"""In-app notices for staff: something on the desk wants their attention (a group
replied, an enquiry is now theirs, a deadline is near, letters are made). Each carries the
enquiry's reference and subject at most: no personal data."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Notice(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", "The group replied"
        ASSIGNED = "assigned", "An enquiry is now yours"
        DEADLINE = "deadline", "A statutory deadline is near"
        LETTERS = "letters", "Letters are made"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, help_text="A desk path: where the notice leads.")
    dedupe_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notice_unread_idx",
            ),
            models.Index(fields=["user", "-created_at"], name="notice_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class EmailPreference(models.Model):
    """Which emails a member of staff asks to receive besides the in-app notices. No row:
    all of them (the default for everyone)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preference"
    )
    assigned = models.BooleanField("An enquiry is now mine", default=True)
    replies = models.BooleanField("A group replied to an enquiry I hold", default=True)
    deadlines = models.BooleanField(
        "A statutory deadline is within 7 days or has passed", default=True
    )

    def __str__(self) -> str:
        return f"email preferences of {self.user_id}"
