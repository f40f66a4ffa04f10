"""A person's in-app notices (``enquiries.models.Notice``)."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from enquiries.models import EmailPreference, Notice

SHOWN = 100


def unread_count(*, user: User) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).count()


def notices_for(*, user: User) -> QuerySet[Notice]:
    """The newest first, at most ``SHOWN``."""
    return Notice.objects.filter(user=user).order_by("-created_at", "-id")[:SHOWN]


def email_preference(*, user: User) -> EmailPreference:
    """Their choices, or the defaults (every email) if they made none."""
    return EmailPreference.objects.filter(user=user).first() or EmailPreference(user=user)
