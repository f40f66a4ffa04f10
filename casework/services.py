"""Writes for the staff desk: routing, claiming, reassigning, status, logging by hand.

Capability checks happen here through ``policies``; every change records who
did it in the same transaction (an Assignment row and/or an EnquiryEvent).
"""

import logging
from dataclasses import replace
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from casework import policies, selectors
from casework.models import Adviser, Assignment, Team
from casework.routing import RoutingDecision, choose_adviser
from enquiries import services as enquiry_services
from enquiries.models import Channel, Enquiry
from enquiries.services import EnquiryInput, SubmittedEnquiry

logger = logging.getLogger(__name__)


class AlreadyAssigned(Exception):
    """Someone else claimed the enquiry first."""


def routing_decision(*, enquiry: Enquiry, team: Team | None = None) -> RoutingDecision:
    """What routing decides for ``enquiry`` now, with a verdict on every active adviser.

    ``team`` is the queue the enquiry waits in if nobody can take it (looked up if not given).
    """
    team = team or selectors.team_for_topic(topic=enquiry.topic)
    candidates = selectors.routing_candidates(
        topic=enquiry.topic, local_authority=enquiry.local_authority
    )
    return choose_adviser(
        candidates,
        topic_label=str(enquiry.topic) if enquiry.topic else None,
        area_label=enquiry.local_authority.name if enquiry.local_authority else None,
        queue_label=f"the {team.name} queue" if team else "the unassigned queue",
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
    team: Team | None = None,
) -> Assignment:
    """Close the current assignment and open a new one; call with the enquiry row locked.

    The team is the one whose remit covers the topic (else triage); an adviser
    from outside that team files it under their own first team instead.
    """
    Assignment.objects.filter(enquiry=enquiry, is_current=True).update(is_current=False)
    team = team or selectors.team_for_topic(topic=enquiry.topic)
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
    """Route a newly received enquiry to an adviser, or to a team queue, with the reason.

    The desk itself acts: the Assignment and the event have no actor.
    """
    enquiry = _lock(enquiry)
    team = selectors.team_for_topic(topic=enquiry.topic)
    decision = routing_decision(enquiry=enquiry, team=team)
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
        team=team,
    )


@transaction.atomic
def enquiry_claim(*, enquiry: Enquiry, actor: AbstractBaseUser) -> Assignment:
    """An adviser takes an unassigned enquiry. Of two simultaneous claims exactly one wins:
    the row lock makes the second wait, and then it finds the enquiry taken."""
    enquiry = _lock(enquiry)
    if not policies.is_adviser(actor):
        raise PermissionDenied("Only an adviser can claim enquiries.")
    if enquiry.assigned_to_id is not None:
        if enquiry.assigned_to_id == actor.pk:
            raise AlreadyAssigned("You already hold this enquiry.")
        holder = enquiry.assigned_to
        name = holder.get_full_name() or holder.get_username()
        raise AlreadyAssigned(
            f"{name} has already taken this enquiry, so it was not added to your queue."
        )
    if not policies.can_claim_enquiry(actor, enquiry):
        raise PermissionDenied("A closed enquiry cannot be claimed: reopen it first.")
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
    team = selectors.team_for_topic(topic=enquiry.topic)
    who = getattr(actor, "adviser", None)
    by = who.name if who else actor.get_username()
    target = adviser.name if adviser else (f"the {team.name} queue" if team else "the queue")
    text = f"Reassigned to {target} by {by}." + (
        f" Reason: {reason.strip()}" if reason.strip() else ""
    )
    return _record_assignment(
        enquiry=enquiry,
        adviser=adviser,
        method=Assignment.Method.REASSIGNED,
        reason=text,
        actor=actor,
        team=team,
    )


@transaction.atomic
def enquiry_set_status(*, enquiry: Enquiry, status: str, actor: AbstractBaseUser) -> Enquiry:
    """Change the status: the adviser holding the enquiry, or a manager.

    The permission is checked on the locked row, so a reassignment that lands
    first is respected; the change and its event are written by ``enquiries``.
    """
    enquiry = _lock(enquiry)
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
    submitted = enquiry_services.enquiry_submit(
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
