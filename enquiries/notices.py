"""Giving staff in-app notices (``Notice``): once per key, after nothing but the change
that caused it (the same transaction)."""

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from enquiries.models import EmailPreference, Enquiry, Notice

# A user's preference row, one to one: ``select_related(PREFERENCE_PATH)`` from the user.
PREFERENCE = User.email_preference  # a reverse one-to-one
PREFERENCE_PATH = "email_preference"


def enquiry_path(enquiry: Enquiry) -> str:
    """The enquiry's staff page, named by the project (``DESK_ENQUIRY_URL_NAME``): the desk
    sits above this app, which neither imports nor names it."""
    return reverse(settings.DESK_ENQUIRY_URL_NAME, args=[enquiry.reference])


def notice_give(*, user: User | None, kind: str, key: str, text: str, url: str) -> None:
    """A notice for ``user``, once per ``key``: a second run gives nothing, and two at once
    give one (the unique key decides, in one statement, without a savepoint)."""
    if user is None or not user.is_active:
        return
    Notice.objects.bulk_create(
        [Notice(user=user, kind=kind, text=text[:300], url=url[:300], dedupe_key=key[:100])],
        ignore_conflicts=True,
    )


def enquiry_notice(*, user: User | None, kind: str, key: str, enquiry: Enquiry, what: str) -> None:
    """A notice about an enquiry: what happened, its reference and subject."""
    notice_give(
        user=user,
        kind=kind,
        key=key,
        text=f"{what}: {enquiry.reference}, {enquiry.subject}",
        url=enquiry_path(enquiry),
    )


def wants_email(user: User | None, kind: str) -> bool:
    """Whether ``user`` asked for this kind of email ("assigned", "replies", "deadlines");
    everyone does until they say otherwise."""
    if user is None:
        return False
    if PREFERENCE.is_cached(user):  # loaded with the user (``select_related``): no query
        preference = PREFERENCE.related.get_cached_value(user)
        return True if preference is None else bool(getattr(preference, kind))
    chosen = EmailPreference.objects.filter(user=user).values_list(kind, flat=True).first()
    return True if chosen is None else bool(chosen)
