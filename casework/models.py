"""Advisers, teams and the assignment history that routing writes."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q


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
