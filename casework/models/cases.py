"""Cases (one matter across enquiries), their events, and coded outcomes."""

from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from simple_history.models import HistoricalRecords

from casework.models.advisers import Adviser
from casework.outcomes import DETAIL_MAX_LENGTH, REFERRED_TO_MAX_LENGTH, OutcomeCode, PlanStage
from casework.signals import outcome_rows_written
from enquiries.models import Enquiry

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class CaseQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        """``QuerySet.update()`` sends no save signal, so the history would miss it: write a
        history record for every case it changed, in the same transaction (as enquiries do)."""
        with transaction.atomic(using=self.db, savepoint=False):
            pks = list(self.order_by().values_list("pk", flat=True))
            count = super().update(**kwargs)
            if pks:
                changed = list(Case.objects.filter(pk__in=pks))
                Case.history.bulk_history_create(
                    changed, update=True, default_change_reason="bulk update"
                )
        return count


class Case(models.Model):
    """Longer work for a group (a listing, a bid, a plan), joining one or more enquiries."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ON_HOLD = "on_hold", "On hold"
        AWAITING_GROUP = "awaiting_group", "Waiting for the group"
        CLOSED = "closed", "Closed"

    # The building or land's address is copied from an enquiry and edited alike.
    ASSET_ADDRESS_MAX_LENGTH = Enquiry.ASSET_ADDRESS_MAX_LENGTH

    title = models.CharField(max_length=200)
    lead_adviser = models.ForeignKey(Adviser, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(
        null=True, blank=True, help_text="Free text removed under the retention policy."
    )
    asset_name = models.CharField(max_length=200, blank=True)
    asset_address = models.TextField(blank=True)
    plan_name = models.CharField(max_length=200, blank=True)
    # Optimistic concurrency (see ``Enquiry.version``).
    version = models.PositiveIntegerField(default=1)

    objects = CaseQuerySet.as_manager()
    history = HistoricalRecords(cascade_delete_history=True)
    # Who simple_history records as making the next change; services set it before save().
    _history_user: "User | None"

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="case_title_not_empty"),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="case_closed_has_closed_at",
            ),
        ]
        indexes = [
            models.Index(fields=["lead_adviser", "status"], name="case_lead_status_idx"),
            models.Index(fields=["-opened_at", "-id"], name="case_opened_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.title}"

    @property
    def number(self) -> str:
        return f"CASE-{self.pk:04d}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


CaseStatus = Case.Status  # importable by name (the API schema's enum)


class CaseEnquiry(models.Model):
    """An enquiry that belongs to a case; an enquiry belongs to at most one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_enquiries")
    enquiry = models.OneToOneField(
        "enquiries.Enquiry", on_delete=models.CASCADE, related_name="case_link"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name_plural = "case enquiries"
        indexes = [models.Index(fields=["case", "added_at"], name="case_enquiry_case_idx")]

    def __str__(self) -> str:
        return f"{self.enquiry_id} in case {self.case_id}"


class CaseEvent(models.Model):
    """A case's own audit trail: who did what to it, when."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Case opened"
        ENQUIRY_ADDED = "enquiry_added", "Enquiry added to the case"
        STATUS_CHANGED = "status_changed", "Case status changed"
        OUTCOME_RECORDED = "outcome_recorded", "Outcome recorded"
        DETAILS_EDITED = "details_edited", "Case details edited"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"], name="case_event_case_created_idx")]

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id}"


class OutcomeQuerySet(models.QuerySet):
    """``update()`` and ``bulk_create()`` send no save signal: say which rows they wrote,
    as ``EnquiryQuerySet`` does (the report rollups count outcomes by day)."""

    def update(self, **kwargs) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            rows = list(self.order_by().values_list("pk", "enquiry_id", "recorded_at"))
            count = super().update(**kwargs)
            if rows:
                outcome_rows_written.send(
                    sender=Outcome,
                    pks=[pk for pk, _, _ in rows],
                    enquiry_pks={enquiry for _, enquiry, _ in rows},
                    recorded_at=[recorded for _, _, recorded in rows],
                    fields=set(kwargs),
                    using=self.db,
                )
        return count

    def bulk_create(self, objs, *args, **kwargs) -> list:
        if kwargs.get("update_conflicts"):
            raise ValueError("Outcome rows are updated with update(), not bulk_create().")
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            outcome_rows_written.send(
                sender=Outcome,
                pks=[o.pk for o in created],
                enquiry_pks={o.enquiry_id for o in cast("list[Outcome]", created)},
                recorded_at=[],
                fields=None,
                using=self.db,
            )
        return created


class Outcome(models.Model):
    """What the desk did for a group, or what the group achieved (``casework.outcomes``).

    Several per enquiry; at most one closes it. Recorded while the enquiry is in a case, it
    counts for the case too (``case``).
    """

    enquiry = models.ForeignKey(
        "enquiries.Enquiry", on_delete=models.CASCADE, related_name="outcomes"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="outcomes"
    )
    code = models.CharField(max_length=32, choices=OutcomeCode.choices)
    detail = models.TextField(blank=True, max_length=DETAIL_MAX_LENGTH)
    referred_to = models.CharField(max_length=REFERRED_TO_MAX_LENGTH, blank=True)
    consent_to_refer = models.BooleanField(default=False)
    plan_stage = models.CharField(max_length=32, choices=PlanStage.choices, blank=True)
    is_closing = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__in=OutcomeCode.values), name="outcome_code_known"
            ),
            models.CheckConstraint(
                condition=~Q(code=OutcomeCode.REFERRED)
                | (~Q(referred_to="") & Q(consent_to_refer=True)),
                name="outcome_referral_has_whom_and_consent",
            ),
            models.CheckConstraint(
                condition=~Q(code=OutcomeCode.PLAN_STAGE_REACHED)
                | Q(plan_stage__in=PlanStage.values),
                name="outcome_plan_stage_given",
            ),
            models.CheckConstraint(
                condition=~Q(code=OutcomeCode.RIGHT_NOT_USED) | ~Q(detail=""),
                name="outcome_right_not_used_has_reason",
            ),
            models.UniqueConstraint(
                fields=["enquiry"],
                condition=Q(is_closing=True),
                name="outcome_one_closing_per_enquiry",
            ),
        ]
        indexes = [
            models.Index(fields=["enquiry", "-recorded_at"], name="outcome_enquiry_idx"),
            models.Index(fields=["case", "-recorded_at"], name="outcome_case_idx"),
            models.Index(fields=["code", "-recorded_at"], name="outcome_code_idx"),
            # Reports: outcomes recorded in a period, read from the index alone.
            models.Index(
                fields=["recorded_at", "enquiry", "code", "plan_stage"],
                name="outcome_recorded_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.enquiry_id}"

    def describe(self) -> str:
        """The outcome in words, with the detail its code needs."""
        text = self.get_code_display()
        if self.code == OutcomeCode.REFERRED:
            text += f" ({self.referred_to}, with the group's consent)"
        if self.plan_stage:
            text += f": {self.get_plan_stage_display()}"
        return text
