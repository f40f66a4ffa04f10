"""What the desk shows the group: deadlines on the tracking page, and its tracking links.

Casework publishes; the portal (in ``enquiries``) reads only what was published
(``enquiries.services_public``). A published deadline is a copy (label, date, what it
means, legal source) taken when the adviser chose to show it; ``source`` ties it to
the key date and rule it came from, so that it can be withdrawn, or refreshed by
publishing again.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from casework import policies, selectors
from casework.models import Deadline, KeyDate
from casework.selectors_publish import deadline_source
from enquiries import services_portal, services_public
from enquiries.models import Enquiry, PublicDate


def _check_can_publish(actor: AbstractBaseUser, enquiry: Enquiry) -> None:
    if not policies.can_record_key_date(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can show dates to the group."
        )


@transaction.atomic
def deadline_publish(
    *,
    enquiry: Enquiry,
    key_date_id: int,
    rule_id: int,
    is_group_deadline: bool,
    actor: AbstractBaseUser,
) -> PublicDate:
    """Show one computed deadline on the group's tracking page (or update it: the date is
    worked out again now, and "the group must act by this date" set as chosen). A group
    deadline is emailed to the group 14 and 3 days before."""
    _check_can_publish(actor, enquiry)
    deadline = (
        Deadline.objects.select_related("rule", "key_date")
        .filter(enquiry=enquiry, key_date_id=key_date_id, rule_id=rule_id)
        .first()
    )
    if deadline is None:
        raise ValidationError("That deadline is no longer on this enquiry.")
    view = selectors.deadline_compute(
        rule=deadline.rule, start=deadline.key_date.date, today=timezone.localdate()
    )
    return services_public.public_date_publish(
        enquiry=enquiry,
        source=deadline_source(key_date_id=key_date_id, rule_id=rule_id),
        label=deadline.rule.name,
        date=view.end,
        meaning=deadline.rule.end_meaning,
        legal_source=deadline.rule.legal_source,
        is_group_deadline=is_group_deadline,
        actor=actor,
    )


@transaction.atomic
def deadline_withdraw(
    *, enquiry: Enquiry, key_date_id: int, rule_id: int, actor: AbstractBaseUser
) -> bool:
    """Stop showing a deadline to the group. False if it was not shown."""
    _check_can_publish(actor, enquiry)
    return services_public.public_date_withdraw(
        enquiry=enquiry,
        source=deadline_source(key_date_id=key_date_id, rule_id=rule_id),
        actor=actor,
    )


def key_date_withdraw_published(*, key_date: KeyDate, actor: AbstractBaseUser | None) -> int:
    """Withdraw every date published from ``key_date`` (it was removed as an error).
    Call inside the caller's transaction."""
    prefix = f"deadline:{key_date.pk}:"
    sources = PublicDate.objects.filter(
        enquiry_id=key_date.enquiry_id, source__startswith=prefix
    ).values_list("source", flat=True)
    return sum(
        services_public.public_date_withdraw(enquiry=key_date.enquiry, source=s, actor=actor)
        for s in list(sources)
    )


def _check_can_manage_links(actor: AbstractBaseUser, enquiry: Enquiry) -> None:
    if not policies.can_change_enquiry_status(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can manage its tracking links."
        )


def tracking_links_revoke(*, enquiry: Enquiry, actor: AbstractBaseUser) -> int:
    """Stop every tracking link that opens this enquiry (recorded as LINK_REVOKED)."""
    _check_can_manage_links(actor, enquiry)
    return services_portal.tracking_links_revoke(enquiry=enquiry, actor=actor)


def tracking_link_send(*, enquiry: Enquiry, actor: AbstractBaseUser, key: str) -> bool:
    """Email the contact a fresh link (recorded as LINK_SENT); one per ``key``."""
    _check_can_manage_links(actor, enquiry)
    return services_portal.tracking_link_send(enquiry=enquiry, actor=actor, key=key)
