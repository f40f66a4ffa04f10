"""Keeping personal data no longer than the policy says (the period itself is
``enquiries.models.RetentionPolicy``): legal holds that suspend it, the record of each
run, erasure and subject access requests (docs/data-protection.md)."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q


class LegalHold(models.Model):
    """While active, nothing on the enquiry or case (and a case's enquiries) is
    anonymised or erased: litigation, a complaint, an investigation."""

    enquiry = models.ForeignKey(
        "enquiries.Enquiry",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="legal_holds",
    )
    case = models.ForeignKey(
        "casework.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="legal_holds"
    )
    reason = models.CharField(max_length=300)
    until = models.DateField(null=True, blank=True, help_text="Empty: until released.")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enquiry__isnull=False, case__isnull=True)
                | Q(enquiry__isnull=True, case__isnull=False),
                name="legal_hold_on_one_record",
            )
        ]

    def __str__(self) -> str:
        on = f"enquiry {self.enquiry_id}" if self.enquiry_id else f"case {self.case_id}"
        return f"legal hold on {on}"


class RetentionRun(models.Model):
    """One run of the retention job: when, the cut-off, and counts (never personal data)."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cutoff = models.DateTimeField(help_text="Closed before this: past retention.")
    years = models.PositiveSmallIntegerField()
    enquiries_anonymised = models.PositiveIntegerField(default=0)
    cases_anonymised = models.PositiveIntegerField(default=0)
    contacts_erased = models.PositiveIntegerField(default=0)
    organisations_anonymised = models.PositiveIntegerField(default=0)
    held_back = models.PositiveIntegerField(default=0, help_text="Past retention, under a hold.")
    access_addresses_removed = models.PositiveIntegerField(
        default=0, help_text="Subject access requests whose address was removed."
    )

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"retention run {self.started_at:%Y-%m-%d %H:%M}"


class ErasureRequest(models.Model):
    """A person asked for their data to be erased: what was done, by whom, and what was
    held back (counts only: the person's details are what was erased)."""

    received_on = models.DateField(help_text="When the person asked.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    enquiries_anonymised = models.PositiveIntegerField(default=0)
    enquiries_held_back = models.PositiveIntegerField(default=0)
    contacts_erased = models.PositiveIntegerField(default=0)
    note = models.CharField(
        max_length=300, blank=True, help_text="How the request came, without personal data."
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"erasure request {self.received_on}"


def subject_access_upload_to(instance: "SubjectAccessRequest", filename: str) -> str:
    """Private files: a random name, never the person's."""
    return f"subject-access/{uuid.uuid4().hex}{Path(filename).suffix}"


class SubjectAccessRequest(models.Model):
    """A person asked for a copy of everything held about them (UK GDPR art. 15): due a
    calendar month after it came; released when a manager has checked and sent it. The
    address is kept to produce the export, and removed ``SUBJECT_ACCESS_KEEP_DAYS`` after
    release by the retention job, or at once when the person's data is erased."""

    email = models.EmailField(
        blank=True, help_text="The person's address: their records are found by it."
    )
    address_removed_at = models.DateTimeField(null=True, blank=True)

    # The export, when prepared in the background (large records): its files, progress
    # and state. Removed with the address, and redone after the review changes.
    class ExportState(models.TextChoices):
        NONE = "", "Not prepared"
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    export_state = models.CharField(
        max_length=8, choices=ExportState.choices, blank=True, default=ExportState.NONE
    )
    export_progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent.")
    export_json = models.FileField(upload_to=subject_access_upload_to, max_length=200, blank=True)
    export_pdf = models.FileField(upload_to=subject_access_upload_to, max_length=200, blank=True)
    export_note = models.CharField(max_length=300, blank=True)
    export_made_at = models.DateTimeField(null=True, blank=True)
    # Managers are reminded once as the due date nears and once when it has passed.
    reminded_due_soon_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True)
    received_on = models.DateField()
    due_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"subject access request due {self.due_on}"


class SubjectAccessWithholding(models.Model):
    """An internal note a manager withholds from a subject access export, and the
    exemption relied on: the export says something was withheld and why, never what."""

    class Reason(models.TextChoices):
        THIRD_PARTY = (
            "third_party",
            "It is another person's personal data (DPA 2018, Schedule 2, Part 3)",
        )
        PRIVILEGE = (
            "privilege",
            "Legal professional privilege (DPA 2018, Schedule 2, Part 4)",
        )
        NEGOTIATIONS = (
            "negotiations",
            "Records of negotiations with the person (DPA 2018, Schedule 2, Part 4)",
        )

    request = models.ForeignKey(
        SubjectAccessRequest, on_delete=models.CASCADE, related_name="withholdings"
    )
    note = models.ForeignKey("casework.Note", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "note"], name="sar_withholding_once")
        ]

    def __str__(self) -> str:
        return f"note {self.note_id} withheld from request {self.request_id}"
