"""Staff sign-in: the sessions a staff member has signed in with, so they can all be ended
at once, and the record of changes to their second factors."""

from django.conf import settings
from django.db import models


class StaffSession(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "started_at"], name="staff_session_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} since {self.started_at:%Y-%m-%d %H:%M}"


class FactorEvent(models.Model):
    """A change to someone's second factors, or a recovery code used: who, by whom, when.
    The codes and keys themselves are never recorded here."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", "Set up an authenticator app"
        CODES_MADE = "codes_made", "Made new recovery codes"
        RECOVERY_USED = "recovery_used", "Signed in with a recovery code"
        REMOVED = "removed", "Removed their authenticator app"
        RESET = "reset", "Second factors reset by a manager"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="factor_events"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="factor_event_user_idx")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id} at {self.at:%Y-%m-%d %H:%M}"
