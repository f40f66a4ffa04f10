"""Service-level arithmetic: due dates, pauses and the words the desk shows. No database.

The desk promises a first response within N working days and a resolution within M
(``knowledgebase.ServiceLevelTarget``), counted in working days of England and Wales
(``knowledgebase.working_days``). The rules (docs/service-levels.md):

- The clock starts on the day the enquiry was received, or on the next working day
  when it arrived on a weekend or bank holiday; that day itself is not counted.
- While the desk waits for the group the clock is paused; when it resumes, every due
  date still running moves back by the working days spent paused.
- Working days taken = working days after the start up to and including the end,
  less the working days paused.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from knowledgebase.working_days import add_working_days, is_working_day, working_days_between

ON_TRACK = "on_track"
AT_RISK = "at_risk"
BREACHED = "breached"
PAUSED = "paused"
MET = "met"
NO_TARGET = "none"

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
CLOCK_WORDS = {FIRST_RESPONSE: "first response", RESOLUTION: "resolution"}


@dataclass(frozen=True)
class DueDates:
    first_response_due: date
    resolution_due: date


def clock_start(received_on: date) -> date:
    """The day the clock counts from: the day received, or the next working day."""
    day = received_on
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def due_dates(received_on: date, first_response_days: int, resolution_days: int) -> DueDates:
    """Due dates for an enquiry received on ``received_on`` under a target."""
    start = clock_start(received_on)
    return DueDates(
        first_response_due=add_working_days(start, first_response_days),
        resolution_due=add_working_days(start, resolution_days),
    )


def paused_working_days(paused_on: date, resumed_on: date) -> int:
    """Working days spent paused: after the day it paused, up to and including the day it
    resumed (paused and resumed the same day: 0)."""
    return working_days_between(paused_on, resumed_on)


def shift_for_pause(due: date | None, paused_on: date, resumed_on: date) -> date | None:
    """``due`` pushed back by the working days spent paused (None stays None)."""
    if due is None:
        return None
    return add_working_days(due, paused_working_days(paused_on, resumed_on))


def working_days_taken(start: date, end: date, paused_working_days: int = 0) -> int:
    """Working days from the clock's start (``clock_start``) to ``end``, pauses excluded."""
    return max(working_days_between(clock_start(start), end) - paused_working_days, 0)


def working_days_left(today: date, due: date) -> int:
    """Working days from ``today`` to ``due``: 0 when due today, negative when overdue."""
    if due >= today:
        return working_days_between(today, due)
    return -working_days_between(due, today)


def at_risk_until(today: date, at_risk_days: int | None = None) -> date:
    """The last due date that counts as at risk today (the queue filter uses it in SQL)."""
    days = settings.SLA_AT_RISK_WORKING_DAYS if at_risk_days is None else at_risk_days
    return add_working_days(today, days)


@dataclass(frozen=True)
class SlaState:
    """Where an enquiry stands against its service level, for people and the API."""

    state: str  # on_track, at_risk, breached, paused, met or none
    clock: str | None  # first_response or resolution: the one that matters now
    due: date | None
    days_left: int | None  # working days; negative when overdue
    words: str

    @property
    def paused(self) -> bool:
        return self.state == PAUSED


def _plural(count: int) -> str:
    return f"{count} working day{'s' if count != 1 else ''}"


def _local_date(value: datetime | date | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localdate(value)
    return value


def sla_state(enquiry: Any, today: date, *, at_risk_days: int | None = None) -> SlaState:
    """The service-level state of anything with an enquiry's fields (``first_response_due``,
    ``resolution_due``, ``first_response_at``, ``resolved_at``, ``sla_paused_since``).

    Resolved: met, or breached if it was resolved after its due date. Paused: waiting for
    the group. Otherwise the running clock (first response until there is one, then
    resolution) is on track, at risk (due within ``SLA_AT_RISK_WORKING_DAYS``) or breached.
    """
    threshold = settings.SLA_AT_RISK_WORKING_DAYS if at_risk_days is None else at_risk_days
    resolved_on = _local_date(enquiry.resolved_at)
    if resolved_on is not None:
        due = enquiry.resolution_due
        if due is not None and resolved_on > due:
            late = working_days_between(due, resolved_on)
            words = f"Breached: resolved {_plural(late)} late" if late else "Breached: late"
            return SlaState(BREACHED, RESOLUTION, due, -late, words)
        return SlaState(MET, RESOLUTION, due, None, "Met: resolved within the service level")
    if enquiry.first_response_at is None and enquiry.first_response_due is not None:
        clock, due = FIRST_RESPONSE, enquiry.first_response_due
    elif enquiry.resolution_due is not None:
        clock, due = RESOLUTION, enquiry.resolution_due
    else:
        return SlaState(NO_TARGET, None, None, None, "No service level set")
    name = CLOCK_WORDS[clock]
    if enquiry.sla_paused_since is not None:
        return SlaState(PAUSED, clock, due, None, "Paused: waiting for the group")
    left = working_days_left(today, due)
    if due < today:
        overdue = -left
        words = (
            f"Breached: {name} {_plural(overdue)} overdue"
            if overdue
            else f"Breached: {name} was due on {due.day} {due:%B}"
        )
        return SlaState(BREACHED, clock, due, left, words)
    if left == 0:
        return SlaState(AT_RISK, clock, due, 0, f"At risk: {name} due today")
    state = AT_RISK if left <= threshold else ON_TRACK
    prefix = "At risk: " if state == AT_RISK else ""
    words = f"{prefix}{_plural(left)} left to {name}"
    return SlaState(state, clock, due, left, words[0].upper() + words[1:])
