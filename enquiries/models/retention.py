"""The retention period in force (docs/data-protection.md). It lives here, not with the
desk's retention job, because the public privacy notice states it too."""

from django.conf import settings
from django.db import models


class RetentionPolicy(models.Model):
    """The one retention period in force (a single row; ``RETENTION_YEARS`` until a
    manager changes it): personal data is anonymised this many years after closure."""

    years = models.PositiveSmallIntegerField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    MIN_YEARS, MAX_YEARS = 1, 50

    def __str__(self) -> str:
        return f"{self.years} years after closure"
