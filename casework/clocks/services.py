"""Statutory clocks: record or remove a key date (its deadlines are computed and stored),
resync stored deadlines when a rule is edited, and remind holders of deadlines due."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from casework import policies
from casework.clocks import selectors
from casework.models import Deadline, DeadlineExtension, KeyDate
from casework.publishing.selectors import deadline_source
from casework.publishing.services import key_date_withdraw_published
from casework.queue.services import _lock
from config.errors import DomainError
from enquiries import services as enquiries_services
from enquiries.conversation import services as conversation_services
from enquiries.models import Attachment, Enquiry, EnquiryEvent, Notice, Notification, PublicDate
from enquiries.notices import enquiry_notice, wants_email
from enquiries.notifications import (
    notification_keys_owed,
    notification_owe,
)
from knowledgebase.models import DeadlineRule, LocalAuthority
from knowledgebase.periods import disputed_start_pick
from knowledgebase.working_days import add_months

logger = logging.getLogger(__name__)


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
    """Store each rule's end (the indexable copy the queue and reminders use): for a
    disputed start worked both ways, the earlier."""
    others = selectors.other_starts_query([key_date.enquiry_id]).get(key_date.enquiry_id)
    return Deadline.objects.bulk_create(
        Deadline(
            key_date=key_date,
            rule=rule,
            enquiry_id=key_date.enquiry_id,
            ends_on=selectors.deadline_compute(
                rule=rule, start=key_date.date, conditions=key_date.conditions, other_starts=others
            ).end,
        )
        for rule in trigger.rules
    )


def deadlines_other_readings_refresh(*, enquiry: Enquiry, actor: User) -> None:
    """Key dates joined ``enquiry`` from another (a merge): the stored ends of every rule
    whose start is disputed follow, as when a key date is recorded on it."""
    rules = tuple(
        rule
        for rule in selectors.deadline_rules_active()
        if disputed_start_pick(rule.disputed_start) is not None
    )
    _other_reading_refresh(enquiry=enquiry, rules=rules, actor=actor)


def _other_reading_refresh(
    *, enquiry: Enquiry, rules: tuple[DeadlineRule, ...], actor: User
) -> None:
    """A key date that starts another reading of ``rules`` (the end of a moratorium) was
    recorded or removed: their stored ends on ``enquiry`` follow (the earlier reading),
    unless extended by agreement, and so does a copy shown to the group (its date, and its
    sources and wording, which name both readings or one)."""
    if not rules:
        return
    others = selectors.other_starts_query([enquiry.pk]).get(enquiry.pk)
    rows = list(
        Deadline.objects.select_for_update(of=("self",))
        .filter(enquiry=enquiry, rule__in=rules, extended_to__isnull=True)
        .select_related("rule", "key_date")
    )
    changed = []
    for row in rows:
        ends_on = selectors.deadline_compute(
            rule=row.rule,
            start=row.key_date.date,
            conditions=row.key_date.conditions,
            other_starts=others,
        ).end
        if row.ends_on != ends_on:
            row.ends_on = ends_on
            changed.append(row)
    Deadline.objects.bulk_update(changed, ["ends_on"])
    # Every copy shown to the group follows, moved or not: the other reading's source and
    # the "earlier of two dates" line come and go with the other key date.
    for row in rows:
        published = _published_for(row.rule, [row]).get(row.key_date_id)
        if published is not None:
            _published_refresh(row, published, rule=row.rule, actor=actor)


def _councils_check(councils: Sequence[LocalAuthority], count: int | None) -> int:
    """The number of councils a key date records: those named (each once, in use), or,
    for a client that only counts them, the count given (at least 1; 1 when neither)."""
    if len({c.pk for c in councils}) != len(councils):
        raise ValidationError({"councils": "Name each council once."})
    if any(not c.is_active for c in councils):
        raise ValidationError({"councils": "Choose councils from the list."})
    if councils:
        if count is not None and count != len(councils):
            raise ValidationError(
                {"councils_involved": f"{len(councils)} councils are named, not {count}."}
            )
        return len(councils)
    if count is not None and count < 1:
        raise ValidationError({"councils_involved": "Enter 1 or more councils."})
    return count or 1


@transaction.atomic
def key_date_record(
    *,
    enquiry: Enquiry,
    trigger: str,
    date: date,
    actor: User,
    note: str = "",
    councils: Sequence[LocalAuthority] = (),
    councils_involved: int | None = None,
) -> KeyDate:
    """Record a date that starts statutory clocks; every active rule with ``trigger`` runs
    from it. The adviser holding the enquiry or a manager; the event is recorded with it.

    ``councils``: the councils whose areas the area falls within; more than one picks a
    rule's "several_councils" variant (20 weeks for an area or forum decision: Neighbourhood
    Planning (General) Regulations 2012, regs 6A and 9A). ``councils_involved`` is their
    number, stored with them; a client that cannot name them may send the number alone
    (the API's older field), and one that sends both must agree with itself.

    A date far outside what an enquiry can concern (over a year ahead, over 50 years
    ago) is a typing slip and is refused with the reason.
    """
    enquiry = _lock(enquiry)
    if not policies.can_record_key_date(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can record key dates."
        )
    found = _key_date_check(trigger=trigger, day=date, today=timezone.localdate())
    councils = list(councils)
    count = _councils_check(councils, councils_involved)
    key_date = KeyDate(
        enquiry=enquiry,
        trigger=trigger,
        date=date,
        note=note.strip(),
        councils_involved=count,
        recorded_by=actor,
    )
    # The columns' own limits (the note's length), with the messages the desk's form gives.
    key_date.clean_fields(exclude=["enquiry", "recorded_by"])
    if KeyDate.objects.filter(enquiry=enquiry, trigger=trigger, date=date).exists():
        raise ValidationError({"date": "This key date is already recorded for this enquiry."})
    key_date.save()
    if councils:
        key_date.councils.set(councils)
    _deadlines_write(key_date=key_date, trigger=found)
    _other_reading_refresh(enquiry=enquiry, rules=found.also, actor=actor)
    enquiries_services.enquiry_record_event(
        enquiry=enquiry,
        kind=EnquiryEvent.Kind.KEY_DATE_RECORDED,
        actor=actor,
        data={
            "trigger": trigger,
            "label": found.label,
            "date": date.isoformat(),
            "councils_involved": count,
            "councils": sorted(c.name for c in councils),
        },
    )
    return key_date


@transaction.atomic
def key_date_remove(*, key_date: KeyDate, actor: User) -> None:
    """Remove a key date recorded in error, and the deadlines it started; recorded as an
    event. The same people who may record one."""
    enquiry = _lock(key_date.enquiry)
    if not policies.can_record_key_date(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can remove key dates."
        )
    data = {"trigger": key_date.trigger, "date": key_date.date.isoformat()}
    # Dates shown to the group from it go too (casework.publishing.services).
    key_date_withdraw_published(key_date=key_date, actor=actor)
    key_date.delete()
    triggers = {t.slug: t for t in selectors.key_date_triggers()}
    also = triggers[data["trigger"]].also if data["trigger"] in triggers else ()
    _other_reading_refresh(enquiry=enquiry, rules=also, actor=actor)
    enquiries_services.enquiry_record_event(
        enquiry=enquiry, kind=EnquiryEvent.Kind.KEY_DATE_REMOVED, actor=actor, data=data
    )


class DeadlineMovedOn(DomainError):
    """Someone else extended the deadline after this adviser read it: their extension is
    refused, never laid silently over the other (the API answers 409)."""

    status_code = 409

    def __init__(self, *, deadline: Deadline, seen: date):
        self.current_end = deadline.ends_on
        self.seen = seen
        super().__init__(
            f"Someone else changed this deadline after you opened it: it is now due "
            f"{deadline.ends_on:%-d %B %Y}, not {seen:%-d %B %Y}. Nothing was saved: check "
            "the new date and record your extension again if it still applies."
        )

    def api_body(self) -> dict[str, Any]:
        return {"detail": str(self), "current_end": self.current_end.isoformat()}


@transaction.atomic
def deadline_extend(
    *,
    deadline: Deadline,
    agreed_by: str,
    agreed_on: date,
    extended_to: date,
    actor: User,
    evidence: str = "",
    document: Attachment | None = None,
    expected_end: date | None = None,
) -> DeadlineExtension:
    """Extend a deadline by agreement (who agreed, when, the new end, evidence). The new
    end must be after the current due date (the computed end, or the latest extension);
    earlier agreements are kept, the latest wins. Reminders, the queue and the reports read
    the new date from the row; a copy shown to the group is updated. The adviser holding
    the enquiry or a manager; recorded in the enquiry's history.

    Statutory example: the council's review of a listing takes 8 weeks "or such longer
    period as the owner and the council agree in writing" (Assets of Community Value
    (England) Regulations 2012, Sch 2 para 2).

    Two advisers extending at once: the enquiry row and then the deadline row are locked
    (``select_for_update``) and the deadline is read again under the lock, so the second
    works from the first's new end. ``expected_end`` is the due date the adviser saw (the
    page's form and the API send it): if the deadline moved on since, ``DeadlineMovedOn``
    refuses the extension instead of laying it over the other.
    """
    enquiry = _lock(deadline.enquiry)
    if not policies.can_record_key_date(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can extend its deadlines."
        )
    deadline = (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("rule", "key_date")
        .get(pk=deadline.pk)
    )
    if expected_end is not None and expected_end != deadline.ends_on:
        raise DeadlineMovedOn(deadline=deadline, seen=expected_end)
    if extended_to <= deadline.ends_on:
        raise ValidationError(
            {
                "extended_to": f"The new end date must be after the current due date, "
                f"{deadline.ends_on:%-d %B %Y}."
            }
        )
    if agreed_on > timezone.localdate():
        raise ValidationError({"agreed_on": "The agreement date cannot be in the future."})
    if document is not None and document.enquiry_id != enquiry.pk:
        raise ValidationError({"document": "Choose a document on this enquiry."})
    extension = DeadlineExtension(
        deadline=deadline,
        agreed_by=agreed_by.strip(),
        agreed_on=agreed_on,
        extended_to=extended_to,
        previous_end=deadline.ends_on,
        evidence=evidence.strip(),
        document=document,
        recorded_by=actor,
    )
    extension.full_clean(exclude=["deadline", "recorded_by", "document"])
    extension.save()
    deadline.extended_to = deadline.ends_on = extended_to
    deadline.save(update_fields=["extended_to", "ends_on"])
    published = _published_for(deadline.rule, [deadline]).get(deadline.key_date_id)
    if published is not None:
        _published_refresh(deadline, published, rule=deadline.rule, actor=actor)
    enquiries_services.enquiry_record_event(
        enquiry=enquiry,
        kind=EnquiryEvent.Kind.DEADLINE_EXTENDED,
        actor=actor,
        data={
            "extension": extension.pk,
            "rule": deadline.rule.slug,
            "label": deadline.rule.name,
            "date": extended_to.isoformat(),
            "previous_end": extension.previous_end.isoformat(),
            "agreed_by": extension.agreed_by,
            "agreed_on": agreed_on.isoformat(),
        },
    )
    return extension


@dataclass(frozen=True)
class ResyncResult:
    updated: int  # rows whose end date changed
    created: int  # rows added (a key date that now starts this rule)
    removed: int  # rows removed (rule switched off, or its trigger changed)


@transaction.atomic
def deadlines_resync(*, rule: DeadlineRule, actor: User | None = None) -> ResyncResult:
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
    missing = (
        list(KeyDate.objects.filter(trigger=rule.trigger).exclude(pk__in=list(keep)))
        if starts
        else []
    )
    others = selectors.other_starts_query(
        {r.enquiry_id for r in keep.values()} | {k.enquiry_id for k in missing}
    )
    updated = []
    for row in keep.values():
        ends_on = row.extended_to or (
            selectors.deadline_compute(
                rule=rule,
                start=row.key_date.date,
                conditions=row.key_date.conditions,
                other_starts=others.get(row.enquiry_id),
            ).end
        )
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
        created = Deadline.objects.bulk_create(
            Deadline(
                key_date=key_date,
                rule=rule,
                enquiry_id=key_date.enquiry_id,
                ends_on=selectors.deadline_compute(
                    rule=rule,
                    start=key_date.date,
                    conditions=key_date.conditions,
                    other_starts=others.get(key_date.enquiry_id),
                ).end,
            )
            for key_date in missing
        )
    return ResyncResult(updated=len(updated), created=len(created), removed=len(gone))


def deadlines_resync_all(*, actor: User | None = None) -> ResyncResult:
    """``deadlines_resync`` for every rule (each in its own transaction), for changes no
    save announced: a migration, a fixture. Returns the totals."""
    results = [deadlines_resync(rule=rule, actor=actor) for rule in DeadlineRule.objects.all()]
    return ResyncResult(
        updated=sum(r.updated for r in results),
        created=sum(r.created for r in results),
        removed=sum(r.removed for r in results),
    )


def _published_for(rule: DeadlineRule, rows: list[Deadline]) -> dict[int, PublicDate]:
    """The published copies of ``rows`` by key date id (one query)."""
    sources = {deadline_source(key_date_id=r.key_date_id, rule_id=rule.pk): r for r in rows}
    if not sources:
        return {}
    found = PublicDate.objects.filter(source__in=list(sources)).select_related(
        "enquiry", "published_by"
    )
    return {sources[p.source].key_date_id: p for p in found}


def _published_refresh(
    row: Deadline, published: PublicDate, *, rule: DeadlineRule, actor: User | None
) -> None:
    # The readings it is taken from (a disputed start: both, when both key dates are here).
    others = (
        selectors.other_starts_query([row.enquiry_id]).get(row.enquiry_id)
        if disputed_start_pick(rule.disputed_start)
        else None
    )
    meaning, legal_source = selectors.public_copy(rule=rule, deadline=row, others=others)
    if (published.date, published.label, published.meaning, published.legal_source) == (
        row.ends_on,
        rule.name,
        meaning,
        legal_source,
    ):
        return
    conversation_services.public_date_publish(
        enquiry=published.enquiry,
        source=published.source,
        label=rule.name,
        date=row.ends_on,
        meaning=meaning,
        legal_source=legal_source,
        is_group_deadline=published.is_group_deadline,
        # Edited in the admin, there may be no one to name: keep who published it.
        actor=actor or published.published_by,
    )


def _published_withdraw(row: Deadline, *, actor: User | None) -> None:
    source = deadline_source(key_date_id=row.key_date_id, rule_id=row.rule_id)
    conversation_services.public_date_withdraw(
        enquiry=row.key_date.enquiry, source=source, actor=actor
    )


def _reminder_data(
    deadline: Deadline, *, today: date, state: str, others: dict[str, date] | None = None
) -> dict[str, Any]:
    view = selectors.deadline_compute(
        rule=deadline.rule,
        start=deadline.key_date.date,
        today=today,
        conditions=deadline.key_date.conditions,
        other_starts=others,
    )
    rule = deadline.rule
    if state == "passed":
        headline = f"Deadline passed on {deadline.ends_on:%-d %B %Y}: {rule.name}"
    elif deadline.ends_on == today:
        headline = f"Deadline today: {rule.name}"
    else:
        days = (deadline.ends_on - today).days
        headline = f"Deadline in {days} day{'s' if days != 1 else ''}: {rule.name}"
    return {
        "headline": headline[:200],
        "rule": rule.slug,
        "rule_name": rule.name,
        "trigger_label": rule.trigger_event,
        "start_label": f"{deadline.key_date.date:%-d %B %Y}",
        "end_label": f"{deadline.ends_on:%A %-d %B %Y}",
        "end_meaning": rule.end_meaning,
        "legal_source": view.legal_source,
        "needs_source_check": rule.needs_source_check,
        "explanation": view.explanation
        + (
            f" Extended by agreement to {deadline.ends_on:%-d %B %Y}."
            if deadline.extended_to
            else ""
        ),
        "url": settings.SITE_URL + reverse("casework:enquiry", args=[deadline.enquiry.reference]),
    }


def _reminder_key(deadline: Deadline, *, today: date) -> str:
    """Once each: "deadline:<id>:due" / ":passed"; an extended deadline is a new date to be
    reminded of ("deadline:<id>:extended:<date>:due")."""
    state = "passed" if deadline.ends_on < today else "due"
    if deadline.extended_to:
        return f"deadline:{deadline.pk}:extended:{deadline.extended_to.isoformat()}:{state}"
    return f"deadline:{deadline.pk}:{state}"


# The holder also gets an in-app notice once a deadline is this close (or has passed).
NOTICE_DAYS = 3


def deadline_reminders_send(*, today: date | None = None) -> int:
    """Email the adviser holding each open enquiry about deadlines ending in the next 7 days
    and deadlines passed: once each ("deadline:<id>:due", "deadline:<id>:passed").

    The Notification's unique key makes a second or simultaneous run owe nothing new,
    and ``send_notification`` sends each owed email once. Returns how many were owed.
    """
    today = today or timezone.localdate()
    owed = 0
    deadlines = list(selectors.deadlines_due_for_reminder(today=today))
    keys = {d.pk: _reminder_key(d, today=today) for d in deadlines}
    others = selectors.other_starts_query({d.enquiry_id for d in deadlines})
    already = notification_keys_owed(keys=list(keys.values()))
    for deadline in deadlines:
        key = keys[deadline.pk]
        assignee = deadline.enquiry.assigned_to  # held: the selector asks for one
        if (deadline.ends_on - today).days <= NOTICE_DAYS:
            when = "passed" if deadline.ends_on < today else "near"
            enquiry_notice(
                user=assignee,
                kind=Notice.Kind.DEADLINE,
                key=f"deadline:{deadline.pk}:notice:{when}",
                enquiry=deadline.enquiry,
                what=f"{deadline.rule.name} ends {deadline.ends_on.day} {deadline.ends_on:%b %Y}",
            )
        if key in already:
            continue
        if not wants_email(assignee, "deadlines"):
            continue  # they asked for the in-app notice only
        recipient = assignee.email if assignee else ""
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
                data=_reminder_data(
                    deadline, today=today, state=state, others=others.get(deadline.enquiry_id)
                ),
            )
        owed += notification is not None
    return owed
