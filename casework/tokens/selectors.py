"""Which API tokens a member of staff sees: their own; a manager, everyone's in force."""

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from casework import policies
from casework.models import ApiToken


def tokens_in_force() -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def own_tokens(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).select_related("revoked_by")[:100]


def others_tokens(*, user: User) -> list[ApiToken]:
    if not policies.is_manager(user):
        return []
    return list(tokens_in_force().exclude(user=user).select_related("user")[:500])


def token_get(*, user: User, token_id: int) -> ApiToken:
    """A token ``user`` may revoke (theirs, or any for a manager); else 404."""
    tokens = ApiToken.objects.filter(pk=token_id)
    if not policies.is_manager(user):
        tokens = tokens.filter(user=user)
    token = tokens.first()
    if token is None:
        raise Http404("No such token.")
    return token
