"""The retention period in force: what a manager set on the desk, else the setting."""

from django.conf import settings

from enquiries.models import RetentionPolicy


def policy_years() -> int:
    row = RetentionPolicy.objects.order_by("pk").first()
    return row.years if row else settings.RETENTION_YEARS
