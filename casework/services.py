"""Writes for the staff desk: routing, claiming, reassigning, status, logging by hand.

Capability checks happen here through ``policies``; every change records who
did it in the same transaction (an Assignment row and/or an EnquiryEvent).
"""

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from casework import policies, selectors
from casework.deadlines import add_months
from casework.models import Adviser, Assignment, Deadline, KeyDate, Outcome, Team
from casework.routing import RoutingDecision, choose_adviser
from casework.selectors_publish import deadline_source
from casework.services_publish import key_date_withdraw_published
from enquiries import services as enquiry_services
from enquiries import services_public
from enquiries.models import Channel, Enquiry, EnquiryEvent, Notification, PublicDate, Status
from enquiries.notifications import (
    assignment_notification_owe,
    notification_keys_owed,
    notification_owe,
)
from enquiries.services import EnquiryInput, SubmittedEnquiry
from knowledgebase.models import DeadlineRule

logger = logging.getLogger(__name__)


CLOSING_NEEDS_OUTCOME = (
    'Record a closing outcome before closing this enquiry: use "Close with outcome".'
)


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
    # The adviser is emailed after the commit; not when they claimed it themselves.
    assignment_notification_owe(
        enquiry=enquiry,
        assignee=adviser.user if adviser else None,
        actor=actor,
        assignment_id=assignment.pk,
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
    if closing and not Outcome.objects.filter(enquiry=enquiry, is_closing=True).exists():
        raise ValidationError({"status": CLOSING_NEEDS_OUTCOME})
    changed = enquiry_services.enquiry_change_status(enquiry=enquiry, status=status, actor=actor)
    return changed


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


# --- key dates: the dates that start statutory clocks ------------------------------------------

KEY_DATE_MAX_AHEAD = timedelta(days=366)
KEY_DATE_MAX_AGE_YEARS = 50


def _key_date_check(*, trigger: str, day: date, today: date) -> selectors.Trigger:
    triggers = {t.slug: t for t in selectors.key_date_triggers()}
    if trigger not in triggers:
        raise ValidationError(
            {"trigger": "Choose a key date from the list: this one starts no clock."}
        )
    if day > today + KEY_DATE_MAX_AHEAD:
        raise ValidationError(
            {"date": "The date is more than a year ahead: check the year and enter it again."}
        )
    earliest = add_months(today, -12 * KEY_DATE_MAX_AGE_YEARS)
    if day < earliest:
        raise ValidationError(
            {"date": f"The date is more than {KEY_DATE_MAX_AGE_YEARS} years ago: check the year."}
        )
    return triggers[trigger]


def _deadlines_write(*, key_date: KeyDate, trigger: selectors.Trigger) -> list[Deadline]:
    """Store each rule's end (the indexable copy the queue and reminders use)."""
    return Deadline.objects.bulk_create(
        Deadline(
            key_date=key_date,
            rule=rule,
            enquiry_id=key_date.enquiry_id,
            ends_on=selectors.deadline_compute(rule=rule, start=key_date.date).end,
        )
        for rule in trigger.rules
    )


@transaction.atomic
def key_date_record(
    *, enquiry: Enquiry, trigger: str, date: date, actor: AbstractBaseUser, note: str = ""
) -> KeyDate:
    """Record a date that starts statutory clocks; every active rule with ``trigger`` runs
    from it. The adviser holding the enquiry or a manager; the event is recorded with it.

    A date far outside what an enquiry can concern (over a year ahead, over 50 years
    ago) is a typing slip and is refused with the reason.
    """
    enquiry = _lock(enquiry)
    if not policies.can_record_key_date(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can record key dates."
        )
    found = _key_date_check(trigger=trigger, day=date, today=timezone.localdate())
    if KeyDate.objects.filter(enquiry=enquiry, trigger=trigger, date=date).exists():
        raise ValidationError({"date": "This key date is already recorded for this enquiry."})
    key_date = KeyDate.objects.create(
        enquiry=enquiry, trigger=trigger, date=date, note=note.strip(), recorded_by=actor
    )
    _deadlines_write(key_date=key_date, trigger=found)
    enquiry_services.enquiry_record_event(
        enquiry=enquiry,
        kind=EnquiryEvent.Kind.KEY_DATE_RECORDED,
        actor=actor,
        data={"trigger": trigger, "label": found.label, "date": date.isoformat()},
    )
    return key_date


@transaction.atomic
def key_date_remove(*, key_date: KeyDate, actor: AbstractBaseUser) -> None:
    """Remove a key date recorded in error, and the deadlines it started; recorded as an
    event. The same people who may record one."""
    enquiry = _lock(key_date.enquiry)
    if not policies.can_record_key_date(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can remove key dates."
        )
    data = {"trigger": key_date.trigger, "date": key_date.date.isoformat()}
    # Dates shown to the group from it go too (casework.services_publish).
    key_date_withdraw_published(key_date=key_date, actor=actor)
    key_date.delete()
    enquiry_services.enquiry_record_event(
        enquiry=enquiry, kind=EnquiryEvent.Kind.KEY_DATE_REMOVED, actor=actor, data=data
    )


@dataclass(frozen=True)
class ResyncResult:
    updated: int  # rows whose end date changed
    created: int  # rows added (a key date that now starts this rule)
    removed: int  # rows removed (rule switched off, or its trigger changed)


@transaction.atomic
def deadlines_resync(*, rule: DeadlineRule, actor: AbstractBaseUser | None = None) -> ResyncResult:
    """Bring the stored ``Deadline`` rows of ``rule`` in line with it after it was edited.

    The rows are derived data (the queue's "nearest deadline" and the reminders read
    them), so an edit to a rule in the admin must not leave them stale: a new length or
    counting recomputes each end date; a rule switched off (or made the desk's own policy)
    starts nothing, so its rows go; a new trigger moves the rows to the key dates recorded
    with it. A copy published to a group (``PublicDate``, source
    ``deadline:<key date>:<rule>``) follows: its date is updated, or it is withdrawn with
    its row. Each affected enquiry's history says so (DATE_PUBLISHED events).
    """
    rows = list(
        Deadline.objects.select_for_update().filter(rule=rule).select_related("key_date__enquiry")
    )
    starts = not (not rule.is_active or rule.is_policy)
    keep = {r.key_date_id: r for r in rows if starts and r.key_date.trigger == rule.trigger}
    gone = [r for r in rows if r.key_date_id not in keep]
    for row in gone:
        _published_withdraw(row, actor=actor)
    if gone:
        Deadline.objects.filter(pk__in=[r.pk for r in gone]).delete()
    updated = []
    for row in keep.values():
        ends_on = selectors.deadline_compute(rule=rule, start=row.key_date.date).end
        if row.ends_on != ends_on:
            row.ends_on = ends_on
            updated.append(row)
    Deadline.objects.bulk_update(updated, ["ends_on"])
    published = _published_for(rule, list(keep.values()))
    for row in keep.values():
        if row.key_date_id in published:
            _published_refresh(row, published[row.key_date_id], rule=rule, actor=actor)
    created = []
    if starts:
        missing = KeyDate.objects.filter(trigger=rule.trigger).exclude(pk__in=list(keep))
        created = Deadline.objects.bulk_create(
            Deadline(
                key_date=key_date,
                rule=rule,
                enquiry_id=key_date.enquiry_id,
                ends_on=selectors.deadline_compute(rule=rule, start=key_date.date).end,
            )
            for key_date in missing
        )
    return ResyncResult(updated=len(updated), created=len(created), removed=len(gone))


def _published_for(rule: DeadlineRule, rows: list[Deadline]) -> dict:
    """The published copies of ``rows`` by key date id (one query)."""
    sources = {deadline_source(key_date_id=r.key_date_id, rule_id=rule.pk): r for r in rows}
    if not sources:
        return {}
    found = PublicDate.objects.filter(source__in=list(sources)).select_related(
        "enquiry", "published_by"
    )
    return {sources[p.source].key_date_id: p for p in found}


def _published_refresh(row: Deadline, published: PublicDate, *, rule: DeadlineRule, actor) -> None:
    if (published.date, published.label, published.meaning, published.legal_source) == (
        row.ends_on,
        rule.name,
        rule.end_meaning,
        rule.legal_source,
    ):
        return
    services_public.public_date_publish(
        enquiry=published.enquiry,
        source=published.source,
        label=rule.name,
        date=row.ends_on,
        meaning=rule.end_meaning,
        legal_source=rule.legal_source,
        is_group_deadline=published.is_group_deadline,
        # Edited in the admin, there may be no one to name: keep who published it.
        actor=actor or published.published_by,
    )


def _published_withdraw(row: Deadline, *, actor) -> None:
    source = deadline_source(key_date_id=row.key_date_id, rule_id=row.rule_id)
    services_public.public_date_withdraw(enquiry=row.key_date.enquiry, source=source, actor=actor)


# --- reminders -----------------------------------------------------------------------------------


def _reminder_data(deadline: Deadline, *, today: date, state: str) -> dict:
    view = selectors.deadline_compute(rule=deadline.rule, start=deadline.key_date.date, today=today)
    rule = deadline.rule
    if state == "passed":
        headline = f"Deadline passed on {deadline.ends_on:%-d %B %Y}: {rule.name}"
    elif view.days_left == 0:
        headline = f"Deadline today: {rule.name}"
    else:
        days = view.days_left
        headline = f"Deadline in {days} day{'s' if days != 1 else ''}: {rule.name}"
    return {
        "headline": headline[:200],
        "rule": rule.slug,
        "rule_name": rule.name,
        "trigger_label": rule.trigger_event,
        "start_label": f"{deadline.key_date.date:%-d %B %Y}",
        "end_label": f"{deadline.ends_on:%A %-d %B %Y}",
        "end_meaning": rule.end_meaning,
        "legal_source": rule.legal_source,
        "needs_source_check": rule.needs_source_check,
        "explanation": view.explanation,
        "url": settings.SITE_URL + reverse("casework:enquiry", args=[deadline.enquiry.reference]),
    }


def deadline_reminders_send(*, today: date | None = None) -> int:
    """Email the adviser holding each open enquiry about deadlines ending in the next 7 days
    and deadlines passed: once each ("deadline:<id>:due", "deadline:<id>:passed").

    The Notification's unique key makes a second or simultaneous run owe nothing new,
    and ``send_notification`` sends each owed email once. Returns how many were owed.
    """
    today = today or timezone.localdate()
    owed = 0
    deadlines = list(selectors.deadlines_due_for_reminder(today=today))
    keys = {d.pk: f"deadline:{d.pk}:{'passed' if d.ends_on < today else 'due'}" for d in deadlines}
    already = notification_keys_owed(keys=list(keys.values()))
    for deadline in deadlines:
        key = keys[deadline.pk]
        if key in already:
            continue
        recipient = deadline.enquiry.assigned_to.email
        if not recipient:
            logger.warning("deadline %s: the adviser has no email address", deadline.pk)
            continue
        state = key.rsplit(":", 1)[1]
        with transaction.atomic():
            notification = notification_owe(
                enquiry=deadline.enquiry,
                kind=Notification.Kind.DEADLINE_REMINDER,
                recipient=recipient,
                dedupe_key=key,
                data=_reminder_data(deadline, today=today, state=state),
            )
        owed += notification is not None
    return owed
