"""Likely duplicates of contacts and organisations, found by ``casework.duplicates``, and
the record of every merge (docs/duplicates.md)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class DuplicatePair(models.Model):
    """Two contacts, or two organisations, that look like one: a score (0 to 1) and the
    reasons. ``record`` is the newer of the two. Dismissed pairs are not found again."""

    class Kind(models.TextChoices):
        CONTACT = "contact", "Contacts"
        ORGANISATION = "organisation", "Organisations"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    record_id = models.PositiveBigIntegerField(help_text="The newer record.")
    other_id = models.PositiveBigIntegerField()
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    found_at = models.DateTimeField(auto_now=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "record_id", "other_id"], name="duplicate_pair_once"
            ),
            models.CheckConstraint(
                condition=Q(record_id__gt=F("other_id")), name="duplicate_pair_newer_first"
            ),
        ]
        indexes = [
            models.Index(
                fields=["-record_id", "-score"],
                condition=Q(dismissed_at__isnull=True),
                name="duplicate_pair_open_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id} ~ {self.other_id}"


class MergeRecord(models.Model):
    """Who merged which record into which, when, and which values were kept (field names
    only: the values themselves stay on the records and their history)."""

    class Kind(models.TextChoices):
        CONTACT = "contact", "Contacts"
        ORGANISATION = "organisation", "Organisations"
        ENQUIRY = "enquiry", "Enquiries"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    survivor_id = models.PositiveBigIntegerField()
    merged_id = models.PositiveBigIntegerField()
    taken_from_merged = models.JSONField(
        default=list, help_text="Fields whose value came from the merged-away record."
    )
    moved = models.JSONField(default=dict, help_text="What moved, by kind: counts.")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        indexes = [models.Index(fields=["kind", "survivor_id"], name="merge_record_survivor_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.merged_id} into {self.survivor_id}"
