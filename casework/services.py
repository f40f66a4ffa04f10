"""Writes for the staff desk: routing, claiming, reassigning, status, logging by hand.

Capability checks happen here through ``policies``; every change records who
did it in the same transaction (an Assignment row and/or an EnquiryEvent).
"""

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from casework import policies, selectors
from casework.models import Adviser, Assignment
from casework.routing import RoutingDecision, choose_adviser
from enquiries import services as enquiry_services
from enquiries.models import Channel, Enquiry
from enquiries.services import EnquiryInput, SubmittedEnquiry

logger = logging.getLogger(__name__)


class AlreadyAssigned(Exception):
    """Someone else claimed the enquiry first."""


def routing_decision(*, enquiry: Enquiry) -> RoutingDecision:
    candidates = selectors.routing_candidates(
        topic=enquiry.topic, local_authority=enquiry.local_authority
    )
    return choose_adviser(
        candidates,
        topic_label=str(enquiry.topic) if enquiry.topic else None,
        area_label=enquiry.local_authority.name if enquiry.local_authority else None,
    )


def _lock(enquiry: Enquiry) -> Enquiry:
    return Enquiry.objects.select_for_update().get(pk=enquiry.pk)


def _record_assignment(
    *,
    enquiry: Enquiry,
    adviser: Adviser | None,
    method: str,
    reason: str,
    actor: AbstractBaseUser | None,
) -> Assignment:
    Assignment.objects.filter(enquiry=enquiry, is_current=True).update(is_current=False)
    team = selectors.team_for_topic(topic=enquiry.topic)
    if adviser is not None and team is not None and not adviser.teams.filter(pk=team.pk).exists():
        team = adviser.teams.order_by("pk").first() or team
    assignment = Assignment.objects.create(
        enquiry=enquiry,
        adviser=adviser,
        team=team,
        method=method,
        reason=reason,
        assigned_by=actor,
    )
    enquiry_services.enquiry_set_assignee(
        enquiry=enquiry, assignee=adviser.user if adviser else None, actor=actor
    )
    return assignment


@transaction.atomic
def enquiry_route(*, enquiry: Enquiry) -> Assignment:
    """Route a newly received enquiry to an adviser, or to a team queue, with the reason."""
    enquiry = _lock(enquiry)
    decision = routing_decision(enquiry=enquiry)
    adviser = (
        Adviser.objects.select_related("user").get(pk=decision.chosen.adviser_id)
        if decision.chosen
        else None
    )
    return _record_assignment(
        enquiry=enquiry,
        adviser=adviser,
        method=Assignment.Method.ROUTED if adviser else Assignment.Method.QUEUED,
        reason=decision.explanation,
        actor=None,
    )


@transaction.atomic
def enquiry_claim(*, enquiry: Enquiry, actor: AbstractBaseUser) -> Assignment:
    """An adviser takes an unassigned enquiry. Of two simultaneous claims exactly one wins:
    the row lock makes the second wait, and then it finds the enquiry taken."""
    enquiry = _lock(enquiry)
    if enquiry.assigned_to_id is not None:
        raise AlreadyAssigned("Another adviser has already taken this enquiry.")
    if not policies.can_claim_enquiry(actor, enquiry):
        raise PermissionDenied("You cannot claim this enquiry.")
    return _record_assignment(
        enquiry=enquiry,
        adviser=actor.adviser,
        method=Assignment.Method.CLAIMED,
        reason=f"Claimed by {actor.adviser.name} from the queue.",
        actor=actor,
    )


@transaction.atomic
def enquiry_assign(
    *, enquiry: Enquiry, adviser: Adviser | None, actor: AbstractBaseUser, reason: str = ""
) -> Assignment:
    """A manager gives the enquiry to an adviser, or back to the team queue (``adviser=None``)."""
    if not policies.can_assign_enquiry(actor, enquiry):
        raise PermissionDenied("Only a manager can reassign enquiries.")
    enquiry = _lock(enquiry)
    who = getattr(actor, "adviser", None)
    by = who.name if who else actor.get_username()
    target = adviser.name if adviser else "the team queue"
    text = f"Reassigned to {target} by {by}." + (
        f" Reason: {reason.strip()}" if reason.strip() else ""
    )
    return _record_assignment(
        enquiry=enquiry,
        adviser=adviser,
        method=Assignment.Method.REASSIGNED,
        reason=text,
        actor=actor,
    )


def enquiry_set_status(*, enquiry: Enquiry, status: str, actor: AbstractBaseUser) -> Enquiry:
    if not policies.can_change_enquiry_status(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can change its status."
        )
    return enquiry_services.enquiry_change_status(enquiry=enquiry, status=status, actor=actor)


@transaction.atomic
def enquiry_log(
    *,
    data: EnquiryInput,
    channel: Channel | str,
    actor: AbstractBaseUser,
    keep: bool = False,
    received_at=None,
) -> SubmittedEnquiry:
    """An adviser records a phone, email, letter or walk-in enquiry by hand.

    It is routed like any other; with ``keep`` the adviser who logged it keeps it.
    """
    if not policies.can_log_enquiry(actor):
        raise PermissionDenied("Only desk staff can log enquiries.")
    submitted = enquiry_services.enquiry_submit(
        data=data, channel=channel, actor=actor, received_at=received_at
    )
    enquiry = submitted.enquiry
    adviser = getattr(actor, "adviser", None)
    if keep and adviser is not None and enquiry.assigned_to_id != actor.pk:
        _record_assignment(
            enquiry=_lock(enquiry),
            adviser=adviser,
            method=Assignment.Method.CLAIMED,
            reason=f"Logged by {adviser.name}, who kept it.",
            actor=actor,
        )
    return submitted
