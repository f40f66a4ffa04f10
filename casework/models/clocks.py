"""Key dates recorded on an enquiry and the statutory deadlines each one starts."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class KeyDate(models.Model):
    """A date an adviser recorded because it starts statutory clocks (e.g. the council
    received the owner's notice of intended disposal). ``trigger`` is a
    ``DeadlineRule.trigger``; every active rule with it runs from ``date``."""

    enquiry = models.ForeignKey(
        "enquiries.Enquiry", on_delete=models.CASCADE, related_name="key_dates"
    )
    trigger = models.SlugField(max_length=60)
    date = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enquiry", "trigger", "date"], name="key_date_unique_per_enquiry"
            ),
            models.CheckConstraint(condition=~Q(trigger=""), name="key_date_trigger_not_empty"),
        ]
        indexes = [models.Index(fields=["enquiry", "date"], name="key_date_enquiry_date_idx")]

    def __str__(self) -> str:
        return f"{self.enquiry_id} {self.trigger} {self.date}"


class Deadline(models.Model):
    """The end of one rule's clock started by one key date, written by the key-date services.

    Derived data: ``knowledgebase.periods`` computes ``ends_on`` (the earlier reading for a
    disputed rule). It is stored so that the queue can order by the nearest deadline in
    SQL and reminders can find what falls due, each by an index.
    """

    key_date = models.ForeignKey(KeyDate, on_delete=models.CASCADE, related_name="deadlines")
    rule = models.ForeignKey(
        "knowledgebase.DeadlineRule", on_delete=models.PROTECT, related_name="+"
    )
    enquiry = models.ForeignKey(
        "enquiries.Enquiry", on_delete=models.CASCADE, related_name="deadlines"
    )
    ends_on = models.DateField()

    class Meta:
        ordering = ["ends_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["key_date", "rule"], name="deadline_unique_per_rule"),
        ]
        indexes = [
            models.Index(fields=["enquiry", "ends_on"], name="deadline_enquiry_end_idx"),
            models.Index(fields=["ends_on"], name="deadline_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enquiry_id} {self.rule_id} {self.ends_on}"
