"""Staff sessions: recorded at sign-in and forgotten at sign-out, so that "sign out
everywhere" can end every one of a user's sessions (another browser, a lost laptop)."""

import logging
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone

from casework.models import StaffSession

logger = logging.getLogger(__name__)


def _store() -> type:
    return import_module(settings.SESSION_ENGINE).SessionStore


def staff_session_started(*, user: User, request: HttpRequest, now: datetime | None = None) -> None:
    """Remember this sign-in's session; forget the user's sessions past their lifetime."""
    now = now or timezone.now()
    key = request.session.session_key
    if key is None:
        request.session.save()
        key = request.session.session_key
    StaffSession.objects.filter(
        user=user, started_at__lt=now - timedelta(hours=settings.SESSION_MAX_HOURS)
    ).delete()
    StaffSession.objects.update_or_create(
        session_key=key, defaults={"user": user, "started_at": now}
    )


def staff_session_ended(*, request: HttpRequest) -> None:
    key = request.session.session_key
    if key:
        StaffSession.objects.filter(session_key=key).delete()


def sign_out_everywhere(*, user: User) -> int:
    """End every session ``user`` signed in with, this one included; returns how many."""
    store = _store()
    keys = list(StaffSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    StaffSession.objects.filter(user=user).delete()
    logger.info("signed out everywhere: user=%s sessions=%d", user.pk, len(keys))
    return len(keys)
