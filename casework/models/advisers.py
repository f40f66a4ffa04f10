"""Advisers, teams, absences and the assignment history that routing writes."""

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
