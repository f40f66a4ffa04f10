"""Advisers, teams and the assignment history that routing writes."""

import uuid
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from casework.outcomes import DETAIL_MAX_LENGTH, REFERRED_TO_MAX_LENGTH, OutcomeCode, PlanStage
from enquiries.models import Enquiry

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    topics = models.ManyToManyField(
        "knowledgebase.Topic",
        blank=True,
        related_name="teams",
        help_text="Top-level topics this team answers; their sub-topics are included.",
    )
    is_triage = models.BooleanField(
        default=False,
        help_text="Receives enquiries no other team covers (no topic, or an uncovered one).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_triage"], condition=Q(is_triage=True), name="team_single_triage"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Adviser(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="adviser"
    )
    teams = models.ManyToManyField(Team, related_name="advisers", blank=True)
    topics = models.ManyToManyField(
        "knowledgebase.Topic",
        blank=True,
        related_name="advisers",
        help_text="Expertise. A top-level topic covers all its sub-topics.",
    )
    regions = models.ManyToManyField("knowledgebase.Region", blank=True, related_name="advisers")
    local_authorities = models.ManyToManyField(
        "knowledgebase.LocalAuthority",
        blank=True,
        related_name="advisers",
        help_text="Areas covered, in addition to whole regions.",
    )
    capacity = models.PositiveSmallIntegerField(
        default=25, help_text="The most open enquiries this adviser should hold."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__first_name", "user__last_name"]
        permissions = [
            ("work_enquiries", "Can work the enquiry queue (adviser)"),
            ("manage_desk", "Can see every enquiry, reassign and tune routing (manager)"),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def name(self) -> str:
        return str(self)


class Absence(models.Model):
    """Dates an adviser is away (leave, training): routing passes them by."""

    adviser = models.ForeignKey(Adviser, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["adviser", "ends_on"], name="absence_adviser_end_idx")]

    def __str__(self) -> str:
        return f"{self.adviser} away {self.starts_on} to {self.ends_on}"

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class Assignment(models.Model):
    """Who holds an enquiry, since when, put there by whom, and why."""

    class Method(models.TextChoices):
        ROUTED = "routed", "Routed automatically"
        CLAIMED = "claimed", "Claimed"
        REASSIGNED = "reassigned", "Reassigned by a manager"
        QUEUED = "queued", "Placed in the team queue"

    enquiry = models.ForeignKey(
        "enquiries.Enquiry", on_delete=models.CASCADE, related_name="assignments"
    )
    adviser = models.ForeignKey(
        Adviser, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    method = models.CharField(max_length=16, choices=Method.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the desk routed it automatically.",
    )
    reason = models.TextField()
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enquiry"],
                condition=Q(is_current=True),
                name="assignment_one_current_per_enquiry",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "is_current"], name="assignment_team_current_idx"),
            models.Index(fields=["adviser", "-created_at"], name="assignment_adviser_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enquiry_id} -> {self.adviser_id or self.team_id}"


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

    Derived data: ``casework.deadlines`` computes ``ends_on`` (the earlier reading for a
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


# --- the workspace: internal notes, tasks and time recorded against an enquiry ---------------

NOTE_MAX_LENGTH = 10_000
TIME_ENTRY_MAX_MINUTES = 24 * 60


class Note(models.Model):
    """An internal note on an enquiry. Staff only: never shown to the group."""

    enquiry = models.ForeignKey("enquiries.Enquiry", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="note_body_not_empty")]
        indexes = [models.Index(fields=["enquiry", "-created_at"], name="note_enquiry_created_idx")]

    def __str__(self) -> str:
        return f"note on {self.enquiry_id} by {self.author_id}"


class Task(models.Model):
    """Something a member of desk staff must do on an enquiry by a date. Staff only."""

    enquiry = models.ForeignKey("enquiries.Enquiry", on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="desk_tasks"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="task_title_not_empty"),
        ]
        indexes = [
            # "My open tasks by due date" (the queue page's list).
            models.Index(
                fields=["assignee", "due_on"],
                condition=Q(done_at__isnull=True),
                name="task_assignee_open_due_idx",
            ),
            models.Index(fields=["enquiry", "-created_at"], name="task_enquiry_created_idx"),
        ]

    def __str__(self) -> str:
        return f"task on {self.enquiry_id}: {self.title}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class TimeEntry(models.Model):
    """Minutes an adviser spent on an enquiry, and on what. Staff only."""

    class Activity(models.TextChoices):
        RESEARCH = "research", "Research"
        CALL = "call", "Phone call"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        MEETING = "meeting", "Meeting"
        TRAVEL = "travel", "Travel"
        OTHER = "other", "Other"

    enquiry = models.ForeignKey(
        "enquiries.Enquiry", on_delete=models.CASCADE, related_name="time_entries"
    )
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    minutes = models.PositiveIntegerField()
    activity = models.CharField(max_length=16, choices=Activity.choices)
    spent_on = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-spent_on", "-id"]
        verbose_name_plural = "time entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0, minutes__lte=TIME_ENTRY_MAX_MINUTES),
                name="time_entry_minutes_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["enquiry", "-created_at"], name="time_enquiry_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min on {self.enquiry_id}"


# --- cases and outcomes ------------------------------------------------------------------------


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


# --- guidance letters ---------------------------------------------------------------------


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
