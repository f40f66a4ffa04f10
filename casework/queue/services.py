"""Routing and holding enquiries: route a new enquiry by the rules in ``routing``, claim one
from a queue, assign one (managers). Each writes an ``Assignment`` that says why, under a
row lock, so two people cannot both take the same enquiry."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from casework import policies
from casework.enquiry.selectors import enquiry_outside_england
from casework.letters import services as letters_services
from casework.models import Adviser, Assignment, LetterBatch, Team
from casework.queue import selectors
from casework.queue.routing import RoutingDecision, choose_adviser
from config.errors import DomainError
from enquiries import selectors as enquiries_selectors
from enquiries import services as enquiries_services
from enquiries.models import Enquiry
from enquiries.notifications import (
    assignment_notification_owe,
)
from knowledgebase.models import LetterTemplateVersion, LocalAuthority, Topic


class AlreadyAssigned(DomainError):
    """Someone else claimed the enquiry first (or the claimant holds it already): a 409."""

    status_code = 409


def routing_decision(
    *,
    enquiry: Enquiry,
    team: Team | None = None,
    verdicts: bool = True,
    secondary_topics: Sequence[Topic] | None = None,
    keep: dict[int, Adviser] | None = None,
) -> RoutingDecision:
    """What routing decides for ``enquiry`` now, with a verdict on every active adviser.

    ``team`` is the queue the enquiry waits in if nobody can take it (looked up if not given).
    Without a topic nobody is chosen whatever the advisers' state, so ``verdicts`` False
    (routing a new enquiry, which keeps only the choice and its explanation) skips reading
    the advisers then: the costliest query of intake (docs/performance.md, mail in).
    ``secondary_topics``: the enquiry's (the tie-breaker), read from it if not given.
    ``keep``: filled with the candidates' advisers (``selectors.routing_candidates``).
    """
    team = team or selectors.team_for_topic(topic=enquiry.topic)
    if secondary_topics is None:
        secondary_topics = enquiries_selectors.enquiry_secondary_topics(enquiry=enquiry)
    candidates = (
        selectors.routing_candidates(
            topic=enquiry.topic,
            local_authority=enquiry.local_authority,
            secondary_topics=secondary_topics,
            keep=keep,
            team=team,
        )
        if verdicts or enquiry.topic_id is not None
        else []
    )
    return choose_adviser(
        candidates,
        topic_label=str(enquiry.topic) if enquiry.topic else None,
        area_label=enquiry.local_authority.name if enquiry.local_authority else None,
        queue_label=f"the {team.name} queue" if team else "the unassigned queue",
        secondary_count=len(secondary_topics),
    )


def _lock(enquiry: Enquiry) -> Enquiry:
    return Enquiry.objects.select_for_update().get(pk=enquiry.pk)


def _in_team(adviser: Adviser, team: Team) -> bool:
    """Whether ``adviser`` is in ``team``: read with the candidates when routing chose
    them (``in_routed_team``, for the topic's team), else asked."""
    known = getattr(adviser, "in_routed_team", None)
    return known if known is not None else adviser.teams.filter(pk=team.pk).exists()


def _record_assignment(
    *,
    enquiry: Enquiry,
    adviser: Adviser | None,
    method: str,
    reason: str,
    actor: User | None,
    team: Team | None = None,
    first: bool = False,
) -> Assignment:
    """Close the current assignment and open a new one; call with the enquiry row locked.

    The team is the one whose remit covers the topic (else triage); an adviser
    from outside that team files it under their own first team instead. ``first``: the
    enquiry was created in this transaction, so it has no assignment to close.
    """
    if not first:
        Assignment.objects.filter(enquiry=enquiry, is_current=True).update(is_current=False)
    team = team or selectors.team_for_topic(topic=enquiry.topic)
    if adviser is not None and team is not None and not _in_team(adviser, team):
        team = adviser.teams.order_by("pk").first() or team
    assignment = Assignment.objects.create(
        enquiry=enquiry,
        adviser=adviser,
        team=team,
        method=method,
        reason=reason,
        assigned_by=actor,
    )
    enquiries_services.enquiry_set_assignee(
        enquiry=enquiry, assignee=adviser.user if adviser else None, actor=actor
    )
    # The adviser is emailed after the commit; not when they claimed it themselves.
    assignment_notification_owe(
        enquiry=enquiry,
        assignee=adviser.user if adviser else None,
        actor=actor,
        assignment_id=assignment.pk,
    )
    return assignment


def _queue_for_triage(enquiry: Enquiry, reason: Callable[[str], str]) -> Assignment:
    """Put ``enquiry`` (new, created in this transaction) in the triage queue; ``reason``
    says why, given where it waits."""
    team = selectors.triage_team()
    where = f"the {team.name} queue" if team else "the unassigned queue"
    return _record_assignment(
        enquiry=enquiry,
        adviser=None,
        method=Assignment.Method.QUEUED,
        reason=reason(where),
        actor=None,
        team=team,
        first=True,
    )


def _with_area_and_topic(enquiry: Enquiry) -> None:
    """Load the enquiry's area with its region, and its topic with its parent, unless
    intake already gave them (its reference data holds both): routing reads each twice."""
    area = enquiry.local_authority if Enquiry.local_authority.is_cached(enquiry) else None
    if enquiry.local_authority_id is not None and (
        area is None or not LocalAuthority.region.is_cached(area)
    ):
        enquiry.local_authority = LocalAuthority.objects.select_related("region").get(
            pk=enquiry.local_authority_id
        )
    topic = enquiry.topic if Enquiry.topic.is_cached(enquiry) else None
    if enquiry.topic_id is not None and (topic is None or not Topic.parent.is_cached(topic)):
        enquiry.topic = Topic.objects.select_related("parent").get(pk=enquiry.topic_id)


@transaction.atomic(savepoint=False)
def enquiry_route(*, enquiry: Enquiry, triage_reason: str = "") -> Assignment:
    """Route a newly received enquiry to an adviser, or to a team queue, with the reason.

    With ``triage_reason`` (intake's doubt about it, such as mail that may not be from
    whom it seems) it waits in the triage queue with that reason instead.
    The desk itself acts: the Assignment and the event have no actor.

    ``enquiry`` is the instance intake created in this same transaction (the
    ``enquiry_received`` signal): no one else can see the row yet, so it is neither locked
    nor read again, and the assignment is written on that instance, so the sender sees it
    without a re-read. No savepoint of its own: the receiver's undoes a failed routing.
    """
    if triage_reason:
        return _queue_for_triage(enquiry, lambda where: f"{triage_reason} Waiting in {where}.")
    _with_area_and_topic(enquiry)
    if (outside := enquiry_outside_england(enquiry)) is not None:
        return _queue_for_triage(
            enquiry,
            lambda where: (
                f"{outside.summary} {outside.note} Not routed to an adviser by topic: "
                f"waiting in {where} for a referral or an out-of-scope reply."
            ),
        )
    team = selectors.team_for_topic(topic=enquiry.topic)
    # Routed on receipt: no intake channel sets secondary topics (advisers add them at
    # triage), so there are none to read.
    advisers: dict[int, Adviser] = {}  # read with the candidates: the chosen one is here
    decision = routing_decision(
        enquiry=enquiry, team=team, verdicts=False, secondary_topics=(), keep=advisers
    )
    adviser = advisers[decision.chosen.adviser_id] if decision.chosen else None
    return _record_assignment(
        enquiry=enquiry,
        adviser=adviser,
        method=Assignment.Method.ROUTED if adviser else Assignment.Method.QUEUED,
        reason=decision.explanation,
        actor=None,
        team=team,
        first=True,
    )


@transaction.atomic
def enquiry_claim(*, enquiry: Enquiry, actor: User) -> Assignment:
    """An adviser takes an unassigned enquiry. Of two simultaneous claims exactly one wins:
    the row lock makes the second wait, and then it finds the enquiry taken."""
    enquiry = _lock(enquiry)
    if not policies.is_adviser(actor):
        raise PermissionDenied("Only an adviser can claim enquiries.")
    if enquiry.assigned_to_id is not None:
        if enquiry.assigned_to_id == actor.pk:
            raise AlreadyAssigned("You already hold this enquiry.")
        holder = enquiry.assigned_to
        name = (holder.get_full_name() or holder.get_username()) if holder else "Someone"
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
    *, enquiry: Enquiry, adviser: Adviser | None, actor: User, reason: str = ""
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


# Bulk actions ---------------------------------------------------------------------------

BULK_LIMIT = 100  # the queue shows 50 a page; a form posting more is refused


class BulkAction:
    CLAIM = "claim"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    STATUS = "status"
    LETTER = "letter"  # one batch for them all: ``enquiries_bulk_letter``


@dataclass(frozen=True)
class BulkResult:
    done: list[str]  # references
    refused: list[tuple[str, str]]  # (reference, why)


def enquiries_bulk(
    *,
    enquiries: list[Enquiry],
    action: str,
    actor: User,
    adviser: Adviser | None = None,
    status: str = "",
) -> BulkResult:
    """One action on several enquiries, each through the service that does it for one
    (its own lock, checks, audit event, history, notification and webhooks), each in its
    own savepoint: one refused (taken meanwhile, a status it cannot move to) is reported
    with its reason and the others are done. In reference order, so two bulk actions on
    overlapping rows lock them in the same order."""
    # casework.enquiry.services imports this module: imported here, where it is used.
    from casework.enquiry.services import enquiry_set_status

    if len(enquiries) > BULK_LIMIT:
        raise ValidationError(f"Choose at most {BULK_LIMIT} enquiries at a time.")
    done: list[str] = []
    refused: list[tuple[str, str]] = []
    for enquiry in sorted(enquiries, key=lambda e: e.pk):
        try:
            with transaction.atomic():
                if action == BulkAction.CLAIM:
                    enquiry_claim(enquiry=enquiry, actor=actor)
                elif action == BulkAction.ASSIGN and adviser is not None:
                    enquiry_assign(enquiry=enquiry, adviser=adviser, actor=actor)
                elif action == BulkAction.UNASSIGN:
                    enquiry_assign(enquiry=enquiry, adviser=None, actor=actor)
                elif action == BulkAction.STATUS and status:
                    enquiry_set_status(enquiry=enquiry, status=status, actor=actor)
                else:
                    raise ValidationError("Choose what to do with the selected enquiries.")
        except (AlreadyAssigned, PermissionDenied, ValidationError, DomainError) as why:
            messages = getattr(why, "messages", None) or [str(why)]
            refused.append((enquiry.reference, " ".join(str(m) for m in messages)))
        else:
            done.append(enquiry.reference)
    return BulkResult(done=done, refused=refused)


def enquiries_bulk_letter(
    *,
    enquiries: list[Enquiry],
    template_version: LetterTemplateVersion,
    publish: bool,
    actor: User,
) -> LetterBatch:
    """Issue one letter to each of the ticked enquiries, as one batch made by the workers
    (``letters.services.letter_batch_issue``: the bulk letters page's rules and checks).
    Unlike the other bulk actions it is all or nothing: a batch refused (not a manager, a
    template that needs the adviser's own words, too many) saves nothing. Its cost is a
    fixed number of queries per batch and a task per ``LETTER_BATCH_CHUNK`` letters,
    whatever the number of enquiries."""
    if len(enquiries) > BULK_LIMIT:
        raise ValidationError(f"Choose at most {BULK_LIMIT} enquiries at a time.")
    return letters_services.letter_batch_issue(
        template_version=template_version, enquiries=enquiries, publish=publish, actor=actor
    )
