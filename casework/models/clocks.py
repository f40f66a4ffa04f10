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
    councils = models.ManyToManyField(
        "knowledgebase.LocalAuthority",
        blank=True,
        related_name="+",
        help_text=(
            "The councils (local planning authorities) whose areas the area falls within; "
            "more than one changes some clocks (``DeadlineRule.variants``, condition "
            "several_councils)."
        ),
    )
    councils_involved = models.PositiveSmallIntegerField(
        default=1,
        help_text=(
            "How many councils the area falls within: the number of ``councils`` named (at "
            "least 1), kept with the list so that ``conditions`` needs no query. A key date "
            "recorded before councils were named keeps the count it was given."
        ),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(councils_involved__gte=1), name="key_date_councils_at_least_one"
            ),
            models.UniqueConstraint(
                fields=["enquiry", "trigger", "date"], name="key_date_unique_per_enquiry"
            ),
            models.CheckConstraint(condition=~Q(trigger=""), name="key_date_trigger_not_empty"),
        ]
        indexes = [models.Index(fields=["enquiry", "date"], name="key_date_enquiry_date_idx")]

    def __str__(self) -> str:
        return f"{self.enquiry_id} {self.trigger} {self.date}"

    @property
    def conditions(self) -> frozenset[str]:
        """The facts recorded here that rule variants can depend on
        (``knowledgebase.periods.CONDITIONS``): several councils when more than one is
        named (``councils_involved`` is their number, or an older key date's count)."""
        return frozenset({"several_councils"}) if self.councils_involved > 1 else frozenset()


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
    ends_on = models.DateField(
        help_text="The date the desk works to: the computed end, or the latest extension."
    )
    extended_to = models.DateField(
        null=True,
        blank=True,
        help_text="The latest end agreed (``DeadlineExtension``); empty: not extended.",
    )

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


class DeadlineExtension(models.Model):
    """A deadline extended by agreement (e.g. the owner and the council agree a longer
    review period: Assets of Community Value (England) Regulations 2012, reg 10 and
    Sch 2 para 2, "or such longer period as the parties agree"). Rows are never changed:
    a later agreement is a new row, and the latest wins (``Deadline.extended_to``)."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="extensions")
    agreed_by = models.CharField(
        max_length=200, help_text='Who agreed, for example "the owner and the council".'
    )
    agreed_on = models.DateField()
    extended_to = models.DateField()
    previous_end = models.DateField(help_text="The due date it replaced.")
    evidence = models.CharField(max_length=500, blank=True)
    document = models.ForeignKey(
        "enquiries.Attachment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The letter or email that records the agreement, if on file.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(extended_to__gt=models.F("previous_end")),
                name="deadline_extension_later",
            ),
            models.CheckConstraint(
                condition=~Q(agreed_by=""), name="deadline_extension_agreed_by_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id} extended to {self.extended_to}"
