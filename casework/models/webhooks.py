"""Webhooks: endpoints managers register to hear about changes on the desk, and the log of
every delivery (docs/webhooks.md)."""

import secrets

from django.conf import settings
from django.db import models


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookEndpoint(models.Model):
    class Event(models.TextChoices):
        ENQUIRY_RECEIVED = "enquiry.received", "An enquiry is received"
        STATUS_CHANGED = "enquiry.status_changed", "An enquiry's status changes"
        ASSIGNED = "enquiry.assigned", "An enquiry is assigned to an adviser"
        CLOSED = "enquiry.closed", "An enquiry is closed"
        LETTER_ISSUED = "letter.issued", "A letter is issued"
        FEEDBACK_RECEIVED = "feedback.received", "A group answers the feedback survey"

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="The events it is sent.")
    # Shared with the receiver, which checks each delivery's signature with it: kept as
    # given, like any shared secret; shown to managers once, when made.
    secret = models.CharField(max_length=80, default=new_secret)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint_idx")
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id}: {self.state}"
