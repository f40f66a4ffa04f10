"""The adviser's working records on an enquiry: internal notes, tasks and time."""

from django.conf import settings
from django.db import models
from django.db.models import Q

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


class Presence(models.Model):
    """Who has an enquiry's page open: written when the page is shown and while it stays
    open (every 30 s from the page's script); older than a minute means gone."""

    enquiry = models.ForeignKey(
        "enquiries.Enquiry", on_delete=models.CASCADE, related_name="presences"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enquiry", "user"], name="presence_once_per_user")
        ]
        indexes = [models.Index(fields=["enquiry", "-seen_at"], name="presence_enquiry_seen_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.enquiry_id}"
