"""Who else has an enquiry's page open."""

from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from casework.models import Presence
from enquiries.models import Enquiry

# Seen within this long: still there. The page's script says so every 30 seconds.
PRESENT_FOR = timedelta(minutes=1)


def others_viewing(
    *, enquiry: Enquiry, user: User, rows: Iterable[Presence] | None = None
) -> list[str]:
    """The names of the other staff with the page open, in the order they came (``rows``:
    ``others_viewing_rows`` already read with a page's others)."""
    recent = others_viewing_rows(enquiry=enquiry, user=user) if rows is None else rows
    return [p.user.get_full_name() or p.user.get_username() for p in recent]


def others_viewing_rows(*, enquiry: Enquiry, user: User) -> QuerySet[Presence]:
    return (
        Presence.objects.filter(enquiry=enquiry, seen_at__gte=timezone.now() - PRESENT_FOR)
        .exclude(user=user)
        .select_related("user")
        .order_by("seen_at", "user_id")
    )
