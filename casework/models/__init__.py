"""Casework's records, one module per part of the work (``advisers``, ``clocks``,
``workspace``, ``cases``) and the letters here, all importable from ``casework.models``.

``letter_upload_to`` stays in this module: migrations name it by that path."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from casework.models.advisers import Absence, Adviser, Assignment, Team
from casework.models.cases import Case, CaseEnquiry, CaseEvent, CaseQuerySet, CaseStatus, Outcome
from casework.models.clocks import Deadline, DeadlineExtension, KeyDate
from casework.models.duplicates import DuplicatePair, MergeRecord
from casework.models.imports import ImportedRecord, ImportRun, ImportSource
from casework.models.retention import (
    ErasureRequest,
    LegalHold,
    RetentionRun,
    SubjectAccessRequest,
    SubjectAccessWithholding,
)
from casework.models.rollups import (
    AlsoAboutDay,
    ClosedDay,
    OutcomeDay,
    ReceivedDay,
    RollupDirtyDay,
    RollupDirtyMonth,
    ServiceDay,
    Span,
)
from casework.models.saved_views import SavedView
from casework.models.scheduling import ScheduledRun
from casework.models.search import EnquirySearchDocument
from casework.models.sessions import FactorEvent, StaffSession
from casework.models.tokens import ApiToken, token_hash
from casework.models.webhooks import WebhookDelivery, WebhookEndpoint
from casework.models.workspace import (
    NOTE_MAX_LENGTH,
    TIME_ENTRY_MAX_MINUTES,
    Note,
    Presence,
    Task,
    TimeEntry,
)


def letter_upload_to(instance: "Letter", filename: str) -> str:
    return f"letters/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


class LetterBatch(models.Model):
    """A manager issuing one template to many enquiries; workers make each letter once."""

    template_version = models.ForeignKey(
        "knowledgebase.LetterTemplateVersion", on_delete=models.PROTECT, related_name="+"
    )
    publish = models.BooleanField(
        default=True, help_text="Publish each letter to its group's enquiry when made."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    total = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "letter batches"

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.total} letters)"


class Letter(models.Model):
    """A guidance letter. Once issued it never changes: re-issuing makes a new letter."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be made"
        ISSUED = "issued", "Issued"
        FAILED = "failed", "Could not be made"

    enquiry = models.ForeignKey(
        "enquiries.Enquiry", on_delete=models.PROTECT, related_name="letters"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="letters"
    )
    template_version = models.ForeignKey(
        "knowledgebase.LetterTemplateVersion", on_delete=models.PROTECT, related_name="letters"
    )
    batch = models.ForeignKey(
        LetterBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="letters"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.ISSUED)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="The letter's text as issued (placeholders filled in).")
    large_print = models.BooleanField(default=False)
    pdf = models.FileField(upload_to=letter_upload_to, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "enquiry"],
                condition=Q(batch__isnull=False),
                name="letter_once_per_batch_enquiry",
            ),
            models.CheckConstraint(
                condition=~Q(state="issued")
                | (~Q(sha256="") & ~Q(pdf="") & Q(issued_at__isnull=False)),
                name="letter_issued_has_pdf",
            ),
        ]
        indexes = [
            models.Index(fields=["enquiry", "-created_at"], name="letter_enquiry_idx"),
            models.Index(fields=["batch", "state"], name="letter_batch_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.enquiry_id})"


__all__ = [
    "EnquirySearchDocument",
    "AlsoAboutDay",
    "ClosedDay",
    "OutcomeDay",
    "ReceivedDay",
    "RollupDirtyDay",
    "RollupDirtyMonth",
    "Span",
    "ServiceDay",
    "ScheduledRun",
    "Presence",
    "DuplicatePair",
    "MergeRecord",
    "ImportedRecord",
    "ImportRun",
    "ImportSource",
    "ApiToken",
    "token_hash",
    "ErasureRequest",
    "LegalHold",
    "RetentionRun",
    "SubjectAccessRequest",
    "SubjectAccessWithholding",
    "SavedView",
    "StaffSession",
    "FactorEvent",
    "WebhookEndpoint",
    "WebhookDelivery",
    "Team",
    "Adviser",
    "Absence",
    "Assignment",
    "KeyDate",
    "Deadline",
    "DeadlineExtension",
    "NOTE_MAX_LENGTH",
    "TIME_ENTRY_MAX_MINUTES",
    "Note",
    "Task",
    "TimeEntry",
    "CaseQuerySet",
    "Case",
    "CaseStatus",
    "CaseEnquiry",
    "CaseEvent",
    "Outcome",
    "letter_upload_to",
    "LetterBatch",
    "Letter",
]
