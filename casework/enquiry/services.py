"""Editing an enquiry's details from the desk: who may, then ``enquiries.services.enquiry_edit``.

The permission is checked on the locked row, so a reassignment that lands first is
respected; the version comparison and the save happen in ``enquiries`` (one rule for
every caller).
"""

from dataclasses import replace
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from casework import policies
from casework.models import Assignment, Outcome
from casework.outcomes import OutcomeCode
from casework.queue.services import _lock, _record_assignment
from enquiries import services as enquiries_services
from enquiries.feedback import services as feedback_services
from enquiries.intake import services as intake_services
from enquiries.intake.services import EnquiryInput, SubmittedEnquiry
from enquiries.models import Channel, Enquiry, Status


@transaction.atomic
def enquiry_edit(
    *, enquiry: Enquiry, expected_version: int, changes: dict[str, Any], actor: User
) -> Enquiry:
    """Edit subject, topic, secondary topics, priority, building or land and area (see
    ``enquiries``)."""
    locked = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    if not policies.can_edit_enquiry(actor, locked):
        raise PermissionDenied(
            "Only the adviser holding this enquiry, their team while it waits in the team "
            "queue, or a manager can edit its details."
        )
    return enquiries_services.enquiry_edit(
        enquiry=locked, expected_version=expected_version, changes=changes, actor=actor
    )


# Closed without the desk having helped: the group is not asked whether it did.
NOT_SURVEYED = frozenset(
    {
        OutcomeCode.CLOSED_NO_RESPONSE,
        OutcomeCode.CLOSED_OUT_OF_SCOPE,
        OutcomeCode.CLOSED_WITHDRAWN,
        OutcomeCode.CLOSED_DUPLICATE,
    }
)

CLOSING_NEEDS_OUTCOME = (
    'Record a closing outcome before closing this enquiry: use "Close with outcome".'
)


@transaction.atomic
def enquiry_set_status(*, enquiry: Enquiry, status: str, actor: User) -> Enquiry:
    """Change the status: the adviser holding the enquiry, or a manager. Closing needs a
    closing outcome recorded first (DOMAIN.md, "Outcomes": every enquiry ends with one).

    The permission is checked on the locked row, so a reassignment that lands
    first is respected; the change and its event are written by ``enquiries``.
    """
    enquiry = _lock(enquiry)
    if not policies.can_change_enquiry_status(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can change its status."
        )
    closing = status == Status.CLOSED and enquiry.status != Status.CLOSED
    closing_code = (
        Outcome.objects.filter(enquiry=enquiry, is_closing=True)
        .values_list("code", flat=True)
        .first()
        if closing
        else None
    )
    if closing and closing_code is None:
        raise ValidationError({"status": CLOSING_NEEDS_OUTCOME})
    changed = enquiries_services.enquiry_change_status(enquiry=enquiry, status=status, actor=actor)
    if closing_code and closing_code not in NOT_SURVEYED:
        feedback_services.feedback_schedule(enquiry=changed)
    return changed


@transaction.atomic
def enquiry_log(
    *,
    data: EnquiryInput,
    channel: Channel | str,
    actor: User,
    keep: bool = False,
    received_at: datetime | None = None,
) -> SubmittedEnquiry:
    """An adviser records a phone, email, letter or walk-in enquiry by hand.

    It is routed like any other, unless the adviser who logged it keeps it
    (``keep``): then it is not routed at all (routing would count it against
    another adviser's turn) and goes straight to them, with the reason recorded.
    Staff without an adviser profile cannot keep enquiries; theirs are routed.
    """
    if not policies.can_log_enquiry(actor):
        raise PermissionDenied("Only desk staff can log enquiries.")
    keep = keep and policies.can_keep_logged_enquiry(actor)
    submitted = intake_services.enquiry_submit(
        data=data, channel=channel, actor=actor, received_at=received_at, route=not keep
    )
    if not keep:
        return submitted
    enquiry = _lock(submitted.enquiry)
    adviser = actor.adviser
    _record_assignment(
        enquiry=enquiry,
        adviser=adviser,
        method=Assignment.Method.CLAIMED,
        reason=f"Logged by {adviser.name} ({Channel(channel).label.lower()}), "
        "who kept it in their own queue.",
        actor=actor,
    )
    return replace(submitted, enquiry=enquiry)
