"""A queue view an adviser saved: a name and the queue's filters, theirs or their team's."""

from django.conf import settings
from django.db import models

from casework.models.advisers import Team


class SavedView(models.Model):
    # A queue address's filters (``?queue=team&status=open...``), never a page number.
    QUERY_MAX_LENGTH = 1000

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=QUERY_MAX_LENGTH, blank=True)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_views",
        help_text="Shared with this team's advisers (a manager shares).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_unique_name"),
        ]
        indexes = [models.Index(fields=["team"], name="saved_view_team_idx")]

    def __str__(self) -> str:
        return self.name
