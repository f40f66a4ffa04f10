"""Noting who has an enquiry's page open (docs/workspace.md, "Someone else is here")."""

from django.contrib.auth.models import User
from django.utils import timezone

from casework.models import Presence
from enquiries.models import Enquiry


def presence_touch(*, enquiry: Enquiry, user: User) -> None:
    """``user`` has the page open now: one statement, whoever else is writing."""
    Presence.objects.bulk_create(
        [Presence(enquiry=enquiry, user=user, seen_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["enquiry", "user"],
        update_fields=["seen_at"],
    )
