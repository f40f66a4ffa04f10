"""Statutory and service-level date arithmetic (DOMAIN.md, "How periods are counted").

Pure functions, no database. Each counting rule is named for the statute's
wording, so a rule's data says how to count it:

* ``beginning_with``: the start day is day 1. N weeks -> D + 7N - 1 days;
  N months or years -> (D - 1 day) + N calendar months/years, clamped to the
  last day of a short month (6 months beginning with 31 Aug 2024 ends 28 Feb 2025).
* ``from``: the start day is excluded. N days/weeks -> D + N days/7N days;
  months/years -> D + N months/years, clamped.
* ``after``: "N weeks beginning with the day after D" -> D + 7N days.
* ``not_less_than``: a minimum window; the earliest allowed close is D + 7N days.
* working days: skip Saturdays, Sundays and bank holidays of England and Wales
  (``knowledgebase.working_days``).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from knowledgebase.models import DeadlineRule
from knowledgebase.working_days import add_months, add_working_days

# The vocabulary is the rule data's own (no database is touched here).
Unit = DeadlineRule.Unit


Counting = DeadlineRule.Counting


# The calculator works a clock from any day within this many years of today: enough for
# any listing, plan or tribunal history, and far enough from Python's year 1 and 9999.
CALCULATOR_RANGE_YEARS = 100


def calculator_start_check(start: date, *, today: date) -> None:
    """Refuse a start day the calculator should not work from (a slip of the year, or
    one whose clock would run past the calendar), with the reason."""
    if abs(start.year - today.year) > CALCULATOR_RANGE_YEARS:
        raise ValueError(
            f"Enter a start date within {CALCULATOR_RANGE_YEARS} years of today: check the year."
        )


def period_end(start: date, length: int, unit: Unit | str, counting: Counting | str) -> date:
    """The last day of a period of ``length`` ``unit`` counted from ``start`` as ``counting``.

    For ``not_less_than`` it is the earliest day the window may close.
    """
    unit, counting = Unit(unit), Counting(counting)
    if length < 0:
        raise ValueError("length must not be negative")
    if unit == Unit.WORKING_DAYS:
        if counting != Counting.FROM:
            raise ValueError("working days are counted 'from' a day")
        return add_working_days(start, length)
    if unit in (Unit.MONTHS, Unit.YEARS):
        months = length * (12 if unit == Unit.YEARS else 1)
        if counting == Counting.BEGINNING_WITH:
            return add_months(start - timedelta(days=1), months)
        if counting == Counting.FROM:
            return add_months(start, months)
        raise ValueError(f"{unit} periods are counted 'beginning with' or 'from' a day")
    days = length * (7 if unit == Unit.WEEKS else 1)
    if counting == Counting.BEGINNING_WITH:
        return start + timedelta(days=days - 1)
    return start + timedelta(days=days)  # from, after, not_less_than


def explain(start: date, length: int, unit: Unit | str, counting: Counting | str) -> str:
    """The sum in words, for advisers checking a date by hand."""
    unit, counting = Unit(unit), Counting(counting)
    end = period_end(start, length, unit, counting)
    label = unit.label
    if length == 1:
        label = label.rstrip("s")
    phrase = {
        Counting.BEGINNING_WITH: f"{length} {label} beginning with {start:%-d %B %Y} "
        f"(that day is day 1)",
        Counting.FROM: f"{length} {label} from {start:%-d %B %Y} (that day not counted)",
        Counting.AFTER: f"{length} {label} beginning with the day after {start:%-d %B %Y}",
        Counting.NOT_LESS_THAN: f"not less than {length} {label} from {start:%-d %B %Y}",
    }[counting]
    verb = "can close no earlier than" if counting == Counting.NOT_LESS_THAN else "ends on"
    return f"{phrase} {verb} {end:%A %-d %B %Y}."


def other_reading(unit: Unit | str, counting: Counting | str) -> Counting | None:
    """The second way a disputed ("U") rule's wording can be read, if there is one.

    "N days/weeks from D" is sometimes read as "beginning with D" (D counted as
    day 1), which ends a day earlier. Other wordings have one reading.
    """
    unit, counting = Unit(unit), Counting(counting)
    if counting == Counting.FROM and unit in (Unit.DAYS, Unit.WEEKS):
        return Counting.BEGINNING_WITH
    return None


# Facts recorded with a key date that can change a rule's length (``DeadlineRule.variants``),
# each with the reason in words for the explanation ("20 weeks because ...").
CONDITIONS: dict[str, str] = {
    "several_councils": "the area covers more than one council",
}


@dataclass(frozen=True)
class Variant:
    """Another length for a rule when a condition holds (``DeadlineRule.variants``)."""

    condition: str
    length: int
    unit: Unit
    legal_source: str

    @property
    def reason(self) -> str:
        return CONDITIONS[self.condition]

    def as_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "length": self.length,
            "unit": str(self.unit),
            "legal_source": self.legal_source,
        }


def variants_check(raw: Any, *, counting: Counting | str) -> list[Variant]:
    """``DeadlineRule.variants`` as ``Variant`` objects, or ``ValueError`` with the reason:
    a known condition (once each), a positive whole length, a unit the rule's counting
    allows (as for the rule itself) and a legal source."""
    if not isinstance(raw, list):
        raise ValueError("Variants are a list of objects.")
    found: list[Variant] = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError(
                "Each variant is an object with condition, length, unit, legal_source."
            )
        condition = item.get("condition")
        if condition not in CONDITIONS:
            raise ValueError(
                f"Unknown condition {condition!r}: use one of {', '.join(sorted(CONDITIONS))}."
            )
        if any(v.condition == condition for v in found):
            raise ValueError(f"The condition {condition!r} is given twice.")
        length = item.get("length")
        if not isinstance(length, int) or isinstance(length, bool) or length < 1:
            raise ValueError("A variant's length is a whole number of at least 1.")
        try:
            unit = Unit(str(item.get("unit")))
        except ValueError:
            raise ValueError(f"Unknown unit {item.get('unit')!r}.") from None
        period_end(date(2000, 1, 1), length, unit, counting)  # the unit fits the counting
        source = item.get("legal_source")
        if not isinstance(source, str) or not source.strip():
            raise ValueError("A variant names its legal source.")
        found.append(Variant(condition, length, unit, source.strip()))
    return found


def variant_pick(raw: Any, conditions: Iterable[str]) -> Variant | None:
    """The first of a rule's variants whose condition holds, if any (rule data is checked
    when saved; malformed data counts as no variant rather than breaking a page)."""
    held = set(conditions)
    if not held or not raw:
        return None
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and item.get("condition") in held:
            try:
                return Variant(
                    item["condition"], int(item["length"]), Unit(item["unit"]), item["legal_source"]
                )
            except (KeyError, TypeError, ValueError):
                return None
    return None


@dataclass(frozen=True)
class DisputedStart:
    """A rule whose *start* is disputed (``DeadlineRule.disputed_start``): another reading
    runs the same period from another event, recorded as a key date of its own
    (``trigger``). The owner's compensation claim runs 13 weeks from the loss being
    incurred (ACV Regulations 2012, reg 14) or, on the government's advice note, from the
    end of the moratorium."""

    trigger: str
    trigger_event: str
    legal_source: str

    def as_dict(self) -> dict[str, str]:
        return {
            "trigger": self.trigger,
            "trigger_event": self.trigger_event,
            "legal_source": self.legal_source,
        }


def disputed_start_check(raw: Any) -> DisputedStart | None:
    """``DeadlineRule.disputed_start`` as a ``DisputedStart`` (None when empty), or
    ``ValueError`` with the reason: a trigger slug, what it is in words, its source."""
    if not raw:
        return None
    if not isinstance(raw, dict):
        raise ValueError("A disputed start is an object with trigger, trigger_event, legal_source.")
    values = {key: raw.get(key) for key in ("trigger", "trigger_event", "legal_source")}
    for key, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"A disputed start names its {key.replace('_', ' ')}.")
    trigger = str(values["trigger"]).strip()
    if not re.fullmatch(r"[-a-z0-9_]+", trigger):
        raise ValueError("A disputed start's trigger is a slug, e.g. moratorium-ended.")
    return DisputedStart(
        trigger, str(values["trigger_event"]).strip(), str(values["legal_source"]).strip()
    )


def disputed_start_pick(raw: Any) -> DisputedStart | None:
    """``disputed_start_check`` that treats malformed data as none (checked when saved)."""
    try:
        return disputed_start_check(raw)
    except ValueError:
        return None


@dataclass(frozen=True)
class Reading:
    """One reading of a rule whose start is disputed: what starts it, on which day, the
    end it gives, the sum in words and the source that reads it so."""

    trigger_event: str
    start: date
    end: date
    explanation: str
    legal_source: str


@dataclass(frozen=True)
class Computed:
    """A period's end as the desk shows it, with the sum in words."""

    end: date
    explanation: str
    earlier_reading: bool  # True: the end shown is the earlier of two readings
    variant: Variant | None = None  # the condition that changed the length, if one did
    # A disputed start: each reading (the rule's own first); ``end`` is the earliest.
    readings: tuple[Reading, ...] = ()


def disputed_start_end(
    first: tuple[str, date, str],
    second: tuple[str, date, str],
    length: int,
    unit: Unit | str,
    counting: Counting | str,
    *,
    variant: Variant | None = None,
) -> Computed:
    """A rule whose start is disputed, worked from both starts (each ``(what starts it,
    the day, the source)``): both readings, each itself the earlier of two countings where
    its wording allows two (``cautious_end``), and the earlier end of the two wins.

    DOMAIN.md: "Where a U rule's wording allows two readings, show the earlier end date":
    an adviser who acts by it is in time on either reading.
    """
    readings = []
    for trigger_event, start, source in (first, second):
        computed = cautious_end(start, length, unit, counting, disputed=True, variant=variant)
        readings.append(Reading(trigger_event, start, computed.end, computed.explanation, source))
    earliest = min(readings, key=lambda r: r.end)
    said = " ".join(
        f"Reading {n}, from {r.trigger_event.lower()} ({r.legal_source}): {r.explanation}"
        for n, r in enumerate(readings, 1)
    )
    return Computed(
        end=earliest.end,
        explanation=f"The start is disputed. {said} The desk works to the earlier end, "
        f"{earliest.end:%A %-d %B %Y}: check the source.",
        earlier_reading=True,
        variant=variant,
        readings=tuple(readings),
    )


def cautious_end(
    start: date,
    length: int,
    unit: Unit | str,
    counting: Counting | str,
    *,
    disputed: bool,
    variant: Variant | None = None,
) -> Computed:
    """``period_end``, except that for a disputed rule with two readings the earlier end wins.

    DOMAIN.md: "Where a U rule's wording allows two readings, show the earlier end
    date": an adviser who acts by the earlier day is in time on either reading.

    With a ``variant`` (a condition held, e.g. several councils) its length and unit
    replace the rule's, and the explanation starts with why: "20 weeks because the area
    covers more than one council (source)".
    """
    if variant is None:
        return _cautious_end(start, length, unit, counting, disputed=disputed)
    computed = _cautious_end(start, variant.length, variant.unit, counting, disputed=disputed)
    label = Unit(variant.unit).label
    why = f"{variant.length} {label} because {variant.reason} ({variant.legal_source})"
    return Computed(
        end=computed.end,
        explanation=f"{why}: {computed.explanation}",
        earlier_reading=computed.earlier_reading,
        variant=variant,
    )


def _cautious_end(
    start: date, length: int, unit: Unit | str, counting: Counting | str, *, disputed: bool
) -> Computed:
    end = period_end(start, length, unit, counting)
    text = explain(start, length, unit, counting)
    alternative = other_reading(unit, counting) if disputed else None
    if alternative is not None:
        other_end = period_end(start, length, unit, alternative)
        if other_end < end:
            return Computed(
                end=other_end,
                explanation=f"{explain(start, length, unit, alternative)} Read the other "
                f"way, {text} The desk shows the earlier date: check the source.",
                earlier_reading=True,
            )
    return Computed(end=end, explanation=text, earlier_reading=False)
