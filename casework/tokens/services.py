"""Making and revoking staff API tokens."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from casework import policies
from casework.models import ApiToken, token_hash

PREFIX = "crd_"
MAX_DAYS = 365


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # shown once, never stored


def api_token_create(*, user: User, name: str, days: int) -> NewToken:
    """A token for ``user`` (desk staff) valid for ``days``; the key is returned once."""
    if not policies.is_staff_member(user):
        raise PermissionDenied("Only desk staff can have API tokens.")
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = "Name the token after what will use it."
    elif len(name) > ApiToken.NAME_MAX_LENGTH:
        errors["name"] = f"Keep the name to {ApiToken.NAME_MAX_LENGTH} characters."
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = f"Choose between 1 and {MAX_DAYS} days."
    if errors:
        raise ValidationError(errors)
    key = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=token_hash(key),
        prefix=key[: len(PREFIX) + 6],
        expires_at=timezone.now() + timedelta(days=days),
    )
    return NewToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Its owner or a manager revokes it; it stops working at once."""
    if token.user_id != actor.pk and not policies.is_manager(actor):
        raise PermissionDenied("Only the token's owner or a manager can revoke it.")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked
