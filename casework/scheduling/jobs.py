"""The periodic jobs the scheduler runs: the same commands, at the same local times, as the
cron lines in the README (which stay the simple option on one machine)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from casework.models import ScheduledRun


@dataclass(frozen=True)
class Job:
    """A management command (or, for the scheduler's own housekeeping, a function) run
    daily at ``at`` (local time) or every ``every`` seconds."""

    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    at: time | None = None
    every: int | None = None
    enabled: Callable[[], bool] = field(default=lambda: True)
    call: Callable[[], object] | None = None

    def run(self) -> str:
        """Run it in this process; what it printed (counts, never personal data)."""
        if self.call is not None:
            return str(self.call())
        out = StringIO()
        call_command(self.command, *self.args, stdout=out, stderr=out)
        return out.getvalue()

    def describe(self) -> str:
        what = " ".join(["manage.py", self.command, *self.args]) if self.command else self.name
        return f"{what}, " + (f"daily at {self.at:%H:%M}" if self.at else f"every {self.every} s")


def runs_prune(*, older_than_days: int = 90) -> int:
    """Forget the scheduler's runs older than ``older_than_days``."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = ScheduledRun.objects.filter(slot__lt=cutoff).delete()
    return deleted


def _tasks_in_database() -> bool:
    return settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def _mail_configured() -> bool:
    return bool(settings.MAIL_IMAP_MAILBOXES) and settings.MAIL_POLL_SECONDS > 0


def jobs() -> list[Job]:
    """Every job, read when asked (so settings changed in tests apply)."""
    return [
        Job("retention", "apply_retention", ("--in-worker",), at=time(2, 0)),
        Job("duplicates", "find_duplicates", at=time(2, 30)),
        Job("prune-idempotency-keys", "prune_idempotency_keys", at=time(3, 30)),
        Job(
            "prune-task-results",
            "prune_db_task_results",
            ("--min-age-days", "30"),
            at=time(3, 45),
            enabled=_tasks_in_database,
        ),
        Job("deadline-reminders", "send_deadline_reminders", at=time(7, 15)),
        Job("subject-access-reminders", "send_subject_access_reminders", at=time(7, 20)),
        Job("group-deadline-reminders", "send_group_deadline_reminders", at=time(7, 30)),
        Job("feedback-requests", "send_feedback_requests", at=time(10, 0)),
        Job("prune-scheduled-runs", at=time(3, 50), call=runs_prune),
        Job("reap-tasks", "reap_tasks", every=300),
        Job("rollups-refresh", "rollups_refresh", every=60),
        Job(
            "fetch-mail",
            "fetch_mail",
            every=max(settings.MAIL_POLL_SECONDS, 1),
            enabled=_mail_configured,
        ),
    ]
