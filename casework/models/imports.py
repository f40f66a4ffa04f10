"""Importing a service's earlier records (docs/import.md): the sources files come from
with their saved column mapping, each run of a file (checked, then imported), and the
record every imported row left, which makes importing the same file again change nothing."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from enquiries.models import Channel


def import_upload_to(instance: "ImportRun", filename: str) -> str:
    """A generated name: nothing the uploader chose reaches the file system."""
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ImportSource(models.Model):
    """Where records come from (an older system, a spreadsheet a team kept): its column
    mapping is saved, so the next file from it is read the same way."""

    name = models.CharField(max_length=120, unique=True)
    # Desk field -> the file's column heading.
    mapping = models.JSONField(default=dict, blank=True)
    default_channel = models.CharField(
        max_length=16,
        choices=Channel.choices,
        default=Channel.EMAIL,
        help_text="The channel of rows whose file says none.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportRun(models.Model):
    class State(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded: choose the columns"
        CHECKING = "checking", "Checking the rows"
        CHECKED = "checked", "Checked: ready to import"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Stopped by a fault"

    source = models.ForeignKey(ImportSource, on_delete=models.PROTECT, related_name="runs")
    # Removed once the run is imported: the records hold what it said.
    file = models.FileField(upload_to=import_upload_to, max_length=200, blank=True)
    original_name = models.CharField(max_length=200, help_text="Shown, never used as a path.")
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    headers = models.JSONField(default=list, help_text="The file's column headings.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.UPLOADED)
    rows_total = models.PositiveIntegerField(default=0, help_text="Data rows in the file.")
    # The real run's checkpoint: rows up to this one are written (resumes after it).
    rows_done = models.PositiveIntegerField(default=0)
    # {"new": n, "existing": n, "error": n, "blank": n}: from the check, then from the import.
    checked = models.JSONField(default=dict, blank=True)
    imported = models.JSONField(default=dict, blank=True)
    # The check's verdict on every row that is not plainly new: [row, verdict, column, reason].
    verdicts = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.source})"


class ImportedRecord(models.Model):
    """A record an import made or matched, by the key its source gave it: the same key
    from the same source finds it again instead of making a second one."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", "Organisation"
        CONTACT = "contact", "Contact"
        ENQUIRY = "enquiry", "Enquiry"

    source = models.ForeignKey(ImportSource, on_delete=models.PROTECT, related_name="records")
    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=300)
    row = models.PositiveIntegerField(help_text="The file's row (the headings are row 1).")
    object_id = models.PositiveBigIntegerField()
    created = models.BooleanField(
        default=True, help_text="False when the row matched a record already on the desk."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "key"], name="imported_record_source_key"
            )
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="imported_record_object_idx")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.key}"
