"""Second factors (docs/data-protection.md, "Staff sign-in"): an authenticator app (TOTP,
RFC 6238) with ten single-use recovery codes, through django-otp. What a sign-in still
owes is kept in the session (``PENDING_SESSION_KEY``) by ``sign_in_started`` and read by
``casework.factors.middleware``, so pages cost no query to check it."""

import logging
import math
import re
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import policies
from casework.factors import selectors
from casework.models import FactorEvent
from casework.sessions import services as sessions_services

logger = logging.getLogger(__name__)

PENDING_SESSION_KEY = "casework.second_factor"
VERIFY, ENROL = "verify", "enrol"
RECOVERY_CODE_COUNT = 10

WRONG_CODE = (
    "That code did not work. Enter the 6-digit code your authenticator app shows now, "
    "or one of your recovery codes."
)


def _too_many(details: dict[str, Any] | None) -> ValidationError:
    """Each wrong code in a row doubles the wait before the next is checked."""
    until = (details or {}).get("locked_until")
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 60
    return ValidationError(
        {
            "code": f"Too many wrong codes in a row. Wait {seconds} second"
            f"{'s' if seconds != 1 else ''}, then try again."
        }
    )


def sign_in_started(*, user: User, request: HttpRequest) -> None:
    """``user_logged_in``: a password alone is not a full sign-in for someone who has an
    authenticator (asked for a code) or whose role needs one (asked to set one up)."""
    if selectors.authenticator(user) is not None:
        request.session[PENDING_SESSION_KEY] = VERIFY
    elif selectors.required(user):
        request.session[PENDING_SESSION_KEY] = ENROL
    else:
        request.session.pop(PENDING_SESSION_KEY, None)


def pending(request: HttpRequest) -> str:
    return request.session.get(PENDING_SESSION_KEY, "")


def _signed_in_with(request: HttpRequest, device: Device) -> None:
    otp_login(request, device)
    request.session.pop(PENDING_SESSION_KEY, None)


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def code_check(*, request: HttpRequest, user: User, code: str) -> Device:
    """The second step of signing in: a code from the authenticator (six digits) or an
    unused recovery code. django-otp slows repeated failures down (each failure doubles
    the wait) and a recovery code works once."""
    code = _normalise(code)
    # Six digits come from the app; anything else can only be a recovery code.
    device: Device | None = (
        selectors.authenticator(user) if code.isdigit() else selectors.recovery_codes(user)
    )
    if device is None or not code:
        raise ValidationError({"code": WRONG_CODE})
    allowed, details = device.verify_is_allowed()
    if not allowed:
        raise _too_many(details)
    # django-otp's verify_token locks the device's row, so that two tries at once both
    # count towards the slowdown (and a recovery code cannot be used twice).
    verified = otp_verify_token(user, device.persistent_id, code)
    if verified is None:
        raise ValidationError({"code": WRONG_CODE})
    if isinstance(verified, StaticDevice):
        FactorEvent.objects.create(user=user, actor=user, kind=FactorEvent.Kind.RECOVERY_USED)
    _signed_in_with(request, verified)
    return verified


def authenticator_begin(*, user: User) -> TOTPDevice:
    """A new authenticator, unconfirmed until a code from it is entered; reloading the page
    shows the same key."""
    device = selectors.authenticator_pending(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def authenticator_confirm(*, request: HttpRequest, user: User, code: str) -> list[str]:
    """The code shows the app holds the key: it replaces any earlier authenticator, the
    session counts as verified, and a fresh set of recovery codes is returned (to show
    once)."""
    device = selectors.authenticator_pending(user)
    if device is None:
        raise ValidationError({"code": "Start again: the key shown has expired."})
    allowed, details = device.verify_is_allowed()
    if not allowed:
        raise _too_many(details)
    if not device.verify_token(_normalise(code)):
        raise ValidationError(
            {"code": "That code did not match. Check the app shows this desk, then try again."}
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        FactorEvent.objects.create(user=user, actor=user, kind=FactorEvent.Kind.ENROLLED)
        codes = recovery_codes_make(user=user)
    _signed_in_with(request, device)
    logger.info("second factor set up: user=%s", user.pk)
    return codes


@transaction.atomic
def recovery_codes_make(*, user: User) -> list[str]:
    """Ten new single-use codes; the old ones stop working. Returned to show once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    FactorEvent.objects.create(user=user, actor=user, kind=FactorEvent.Kind.CODES_MADE)
    return codes


@transaction.atomic
def authenticator_remove(*, user: User) -> None:
    """Someone whose role does not need a second factor may stop using one."""
    if selectors.required(user):
        raise ValidationError(
            "Your role needs a second factor: set up a new authenticator to replace this one."
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    FactorEvent.objects.create(user=user, actor=user, kind=FactorEvent.Kind.REMOVED)


def factors_reset(*, user: User, actor: User) -> int:
    """A manager clears someone's factors (a lost phone and no codes left): every one of
    their sessions ends, and their next sign-in asks them to set one up again. Returns the
    sessions ended."""
    policies.require_manager(actor, "Only managers can reset someone's second factors.")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        FactorEvent.objects.create(user=user, actor=actor, kind=FactorEvent.Kind.RESET)
    ended = sessions_services.sign_out_everywhere(user=user)
    logger.info("second factors reset: user=%s by=%s", user.pk, actor.pk)
    return ended
