"""Reads for second factors: who must have one, what a person has set up, and the staff
list managers use to see who has not."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import policies
from casework.models import FactorEvent


def required(user: User) -> bool:
    return policies.needs_second_factor(user, settings.MFA_REQUIRED_FOR)


def authenticator(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def authenticator_pending(user: User) -> TOTPDevice | None:
    """The authenticator being set up: its key is shown until a code from it is entered."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()


def recovery_codes(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class FactorSummary:
    authenticator: TOTPDevice | None
    codes_left: int
    required: bool
    events: list[FactorEvent]


def summary(user: User) -> FactorSummary:
    return FactorSummary(
        authenticator=authenticator(user),
        codes_left=recovery_codes_left(user),
        required=required(user),
        events=list(FactorEvent.objects.filter(user=user).select_related("actor")[:10]),
    )


@dataclass(frozen=True)
class StaffFactors:
    user: User
    has_authenticator: bool
    codes_left: int
    required: bool


def staff_factors() -> list[StaffFactors]:
    """Everyone who works on the desk or may sign in to the admin: whether a second factor
    is required of them, whether they have an authenticator, how many recovery codes are
    left. Three queries however many staff."""
    users = list(
        User.objects.filter(policies.desk_staff_q(), is_active=True)
        .distinct()
        .annotate(
            has_authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        .order_by("last_name", "first_name", "username")
    )
    ids = [user.pk for user in users]
    codes = dict(
        StaticToken.objects.filter(device__user_id__in=ids, device__confirmed=True)
        .values("device__user_id")
        .annotate(n=Count("pk"))
        .values_list("device__user_id", "n")
    )
    managers = set(
        User.objects.filter(policies.managers_q(), pk__in=ids).values_list("pk", flat=True)
    )
    return [
        StaffFactors(
            user=user,
            has_authenticator=user.has_authenticator,
            codes_left=codes.get(user.pk, 0),
            # Everyone listed works on the desk or has admin access (desk_staff_q).
            required=policies.needs_second_factor(
                user, settings.MFA_REQUIRED_FOR, manager=user.pk in managers, desk_staff=True
            ),
        )
        for user in users
    ]
