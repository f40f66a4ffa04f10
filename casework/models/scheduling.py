"""The scheduler's record of each job's run per slot: the unique (job, slot) is the lock
that lets several nodes run the scheduler without running a job twice."""

from django.db import models


class ScheduledRun(models.Model):
    """One job's run for one slot (a daily time, or an interval's start). Claimed by
    inserting the row: a second node's insert for the same slot fails, so it stands
    aside. Counts and outcomes only, never personal data."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    job = models.CharField(max_length=60)
    slot = models.DateTimeField(help_text="The time the run was due.")
    node = models.CharField(max_length=120, help_text="Host and process that ran it.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    error = models.CharField(max_length=200, blank=True, help_text="The exception's type.")

    class Meta:
        ordering = ["-slot", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.job} for {self.slot:%Y-%m-%d %H:%M}"
