"""Reading notices: each is marked read when it is opened, or all at once."""

from django.contrib.auth.models import User
from django.utils import timezone

from enquiries.models import EmailPreference, Notice


def notice_open(*, notice: Notice) -> str:
    """Mark it read; where it leads."""
    if notice.read_at is None:
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
    return notice.url


def notices_read_all(*, user: User) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def email_preference_save(*, user: User, assigned: bool, replies: bool, deadlines: bool) -> None:
    EmailPreference.objects.update_or_create(
        user=user, defaults={"assigned": assigned, "replies": replies, "deadlines": deadlines}
    )
