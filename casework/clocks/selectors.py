"""The deadline rules in force, the triggers a key date can record, and each key date's
deadlines computed by ``deadlines`` (with days left in words and the legal source)."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from casework.models import Deadline, DeadlineExtension, KeyDate, Outcome
from config.limits import max_length
from enquiries.models import Enquiry, PublicDate, Status
from knowledgebase import selectors as knowledgebase_selectors
from knowledgebase.models import ChallengeWindow, DeadlineRule, LocalAuthority
from knowledgebase.periods import (
    Reading,
    Variant,
    cautious_end,
    disputed_start_end,
    disputed_start_pick,
    variant_pick,
)
from knowledgebase.reference_data import reference_data


def deadline_rules_active() -> list[DeadlineRule]:
    """Every active clock, in the order DOMAIN.md lists them (one query)."""
    return list(DeadlineRule.objects.filter(is_active=True).order_by("position", "pk"))


def deadline_rules_held() -> list[DeadlineRule]:
    """``deadline_rules_active`` as this process holds them (``reference_data``): no query
    while their version holds. For pages; a service that stores deadlines reads afresh."""
    return list(reference_data().deadline_rules)


def deadline_rule_get(*, slug: str) -> DeadlineRule | None:
    return DeadlineRule.objects.filter(slug=slug, is_active=True).first()


@dataclass(frozen=True)
class Trigger:
    """A key date an adviser can record, and the clocks it starts."""

    slug: str
    label: str
    rules: tuple[DeadlineRule, ...]
    # Rules whose disputed start's other reading this key date starts (the end of the
    # moratorium, for the owner's compensation claim).
    also: tuple[DeadlineRule, ...] = ()


def key_date_triggers(rules: list[DeadlineRule] | None = None) -> list[Trigger]:
    """The key dates advisers record: every trigger of an active rule that is not policy,
    and the start of each disputed start's other reading (``DeadlineRule.disputed_start``).

    The retention review is the desk's own clock (it starts when a case closes), so
    nobody records it. The label is the first rule's wording of the start.
    """
    grouped: dict[str, list[DeadlineRule]] = {}
    labels: dict[str, str] = {}
    also: dict[str, list[DeadlineRule]] = {}
    for rule in deadline_rules_active() if rules is None else rules:
        if rule.is_policy:
            continue
        grouped.setdefault(rule.trigger, []).append(rule)
        labels.setdefault(rule.trigger, rule.trigger_event)
        if other := disputed_start_pick(rule.disputed_start):
            also.setdefault(other.trigger, []).append(rule)
            labels.setdefault(other.trigger, other.trigger_event)
    return [
        Trigger(
            slug=slug,
            label=labels[slug],
            rules=tuple(grouped.get(slug, ())),
            also=tuple(also.get(slug, ())),
        )
        for slug in labels
    ]


# The key date "end of the council's expression-of-interest window" (rule
# crtc-timescale-notice-window): recorded with the closing date of a window on file.
EOI_WINDOW_CLOSED = "eoi-window-closed"


def challenge_window_offer(
    *,
    enquiry: Enquiry,
    triggers: list[Trigger],
    today: date | None = None,
    rows: Iterable[ChallengeWindow] | None = None,
) -> ChallengeWindow | None:
    """The expression-of-interest window on file for the enquiry's council area, if the
    desk can record its end (the trigger is active): the page offers its closing date as the
    key date, with the window's source as the note. None without an area or a window.
    ``rows``: ``challenge_window_offer_rows`` read with a page's others."""
    if rows is not None:
        return next(iter(rows), None)
    if not any(t.slug == EOI_WINDOW_CLOSED for t in triggers):
        return None
    return knowledgebase_selectors.challenge_window_for_area(
        local_authority_id=enquiry.local_authority_id, today=today or timezone.localdate()
    )


def challenge_window_offer_rows(
    *, enquiry: Enquiry, triggers: list[Trigger], today: date | None = None
) -> QuerySet[ChallengeWindow]:
    """The rows ``challenge_window_offer`` reads (none when it would not read any)."""
    if enquiry.local_authority_id is None or not any(t.slug == EOI_WINDOW_CLOSED for t in triggers):
        return ChallengeWindow.objects.none()
    return knowledgebase_selectors.challenge_window_rows(
        local_authority_id=enquiry.local_authority_id, today=today or timezone.localdate()
    )


def challenge_window_note(window: ChallengeWindow) -> str:
    """The note recorded with the key date: which window, and where it was published."""
    note = (
        f"{window.local_authority.name}'s expression-of-interest window, "
        f"{window.opens_on:%-d %B %Y} to {window.closes_on:%-d %B %Y}"
    )
    if window.services:
        note += f" ({window.services})"
    if window.source_url:
        note += f": {window.source_url}"
    return note[: KeyDate._meta.get_field("note").max_length]


@dataclass(frozen=True)
class DeadlineView:
    """One computed deadline, as the page, the API and the emails show it."""

    rule: DeadlineRule
    start: date
    end: date
    explanation: str
    earlier_reading: bool
    days_left: int  # negative: passed
    variant: Variant | None = None  # a condition (several councils) changed the length
    # Agreements that moved the end, oldest first; the latest wins (``end`` stays the
    # computed end, ``due`` is the date the desk works to).
    extensions: tuple[DeadlineExtension, ...] = ()
    deadline_id: int | None = None  # the stored row, for the extension form
    # A disputed start worked both ways (the rule's own start first); ``end`` is the
    # earlier. Empty: one start (or the other reading's key date is not recorded yet).
    readings: tuple[Reading, ...] = ()

    @property
    def extended_to(self) -> date | None:
        return self.extensions[-1].extended_to if self.extensions else None

    @property
    def due(self) -> date:
        return self.extended_to or self.end

    @property
    def legal_source(self) -> str:
        """The source of the length used: the variant's, with why, when one applies (the
        group's tracking page shows this with a published deadline)."""
        variant = self.variant
        source = self.rule.legal_source
        if variant is not None:
            source = (
                f"{variant.legal_source} ({variant.length} {variant.unit.label} because "
                f"{variant.reason})"
            )
        for other in self.readings[1:]:  # a disputed start: the other reading's source
            source += f"; from {other.trigger_event.lower()}: {other.legal_source}"
        return source

    @property
    def status(self) -> str:
        if self.days_left < 0:
            return "passed"
        if self.days_left <= 7:
            return "due within 7 days"
        if self.days_left <= 14:
            return "due within 14 days"
        return "later"

    @property
    def when(self) -> str:
        """Days left (or since it passed), in words."""
        days = abs(self.days_left)
        plural = "s" if days != 1 else ""
        if self.days_left < 0:
            return f"{days} day{plural} ago"
        return "Ends today" if days == 0 else f"{days} day{plural} left"

    @property
    def css_class(self) -> str:
        return (
            "deadline-"
            + {
                "passed": "passed",
                "due within 7 days": "soon",
                "due within 14 days": "near",
                "later": "later",
            }[self.status]
        )

    @property
    def needs_source_check(self) -> bool:
        return self.rule.needs_source_check


def deadline_compute(
    *,
    rule: DeadlineRule,
    start: date,
    today: date | None = None,
    conditions: frozenset[str] = frozenset(),
    other_starts: Mapping[str, date] | None = None,
) -> DeadlineView:
    """A rule's end from ``start`` (the earlier reading for a disputed rule), in words.

    ``conditions`` are the facts recorded with the key date (``KeyDate.conditions``): a
    rule variant whose condition holds replaces the length (20 weeks, not 13, when an
    area covers several councils) and says so in the explanation.

    ``other_starts``: the enquiry's other key dates by trigger (``other_starts_for``). A
    rule whose start is disputed (``DeadlineRule.disputed_start``) with its other start
    among them is worked from both, both readings are given, and the earlier end wins;
    without it the explanation says which key date would give the other reading.
    """
    today = today or timezone.localdate()
    variant = variant_pick(rule.variants, conditions)
    other = disputed_start_pick(rule.disputed_start)
    other_start = (other_starts or {}).get(other.trigger) if other else None
    if other is not None and other_start is not None:
        computed = disputed_start_end(
            (rule.trigger_event, start, rule.legal_source),
            (other.trigger_event, other_start, other.legal_source),
            rule.length,
            rule.unit,
            rule.counting,
            variant=variant,
        )
    else:
        computed = cautious_end(
            start,
            rule.length,
            rule.unit,
            rule.counting,
            disputed=rule.needs_source_check,
            variant=variant,
        )
        if other is not None:
            computed = replace(
                computed,
                explanation=f"{computed.explanation} The start is disputed: "
                f"{other.legal_source} counts from {other.trigger_event.lower()}; record "
                "that date as a key date to see both readings.",
            )
    return DeadlineView(
        rule=rule,
        start=start,
        end=computed.end,
        explanation=computed.explanation,
        earlier_reading=computed.earlier_reading,
        days_left=(computed.end - today).days,
        variant=computed.variant,
        readings=computed.readings,
    )


def other_start_of(rule: DeadlineRule, day: date | None) -> dict[str, date]:
    """A day given for the calculator as the other start of ``rule`` (if its start is
    disputed), as ``deadline_compute`` takes other starts."""
    other = disputed_start_pick(rule.disputed_start)
    return {other.trigger: day} if other is not None and day is not None else {}


def other_starts_for(key_dates: Iterable[KeyDate]) -> dict[int, dict[str, date]]:
    """The latest date of each trigger recorded on each enquiry, by enquiry id: the other
    starts ``deadline_compute`` looks for (a later end of a moratorium supersedes one
    recorded before)."""
    found: dict[int, dict[str, date]] = {}
    for key_date in key_dates:
        mine = found.setdefault(key_date.enquiry_id, {})
        if key_date.date > mine.get(key_date.trigger, date.min):
            mine[key_date.trigger] = key_date.date
    return found


def other_starts_query(enquiry_ids: Iterable[int]) -> dict[int, dict[str, date]]:
    """``other_starts_for`` the key dates of these enquiries that start another reading
    (one query)."""
    triggers = {
        other.trigger
        for raw in DeadlineRule.objects.exclude(disputed_start={}).values_list(
            "disputed_start", flat=True
        )
        if (other := disputed_start_pick(raw))
    }
    rows = KeyDate.objects.filter(enquiry_id__in=list(enquiry_ids), trigger__in=triggers).only(
        "enquiry", "trigger", "date"
    )
    return other_starts_for(rows) if triggers else {}


@dataclass(frozen=True)
class KeyDateView:
    key_date: KeyDate
    label: str
    deadlines: list[DeadlineView]
    # Rules whose other reading this key date starts (shown with their own key date).
    also: tuple[DeadlineRule, ...] = ()
    # The councils named (``KeyDate.councils``), by name.
    councils: tuple[LocalAuthority, ...] = ()


def key_date_list(
    *, enquiry: Enquiry, today: date | None = None, rules: list[DeadlineRule] | None = None
) -> list[KeyDateView]:
    """An enquiry's key dates, each with every deadline it starts, computed now.

    Three queries whatever the number of key dates: the key dates, the stored deadline
    rows (for their extensions, one more if one was extended), the key dates' councils,
    and the active rules (pass ``rules`` to share one list with the page's form).
    """
    parts = key_date_parts(enquiry=enquiry)
    return _key_date_views(
        list(parts["key_dates"]),
        enquiries=Q(enquiry=enquiry),
        today=today,
        rules=rules,
    )


def key_date_parts(*, enquiry: Enquiry) -> dict[str, QuerySet[Any]]:
    """The rows ``key_date_list`` reads, by name, to read with a page's others (then
    ``key_date_list_from``)."""
    return {
        "key_dates": KeyDate.objects.filter(enquiry=enquiry).select_related("recorded_by"),
        "deadlines": Deadline.objects.filter(enquiry=enquiry).order_by("ends_on", "id"),
        "deadline_extensions": DeadlineExtension.objects.filter(
            deadline__enquiry=enquiry
        ).select_related("recorded_by", "document"),
        "key_date_councils": _named_councils(Q(enquiry=enquiry)),
    }


def key_date_list_from(
    rows: Mapping[str, list[Any]],
    *,
    today: date | None = None,
    rules: list[DeadlineRule] | None = None,
) -> list[KeyDateView]:
    """``key_date_list`` from the rows of ``key_date_parts``, already read (no query)."""
    stored = _stored_from(
        [(d.pk, d.key_date_id, d.rule_id, d.extended_to) for d in rows["deadlines"]],
        lambda deadline_ids: [
            e for e in rows["deadline_extensions"] if e.deadline_id in deadline_ids
        ],
    )
    councils = _councils_from(rows["key_date_councils"])
    return _views(list(rows["key_dates"]), stored, councils, today=today, rules=rules)


def key_date_list_for_case(
    *, enquiries: list[Enquiry], today: date | None = None, rules: list[DeadlineRule] | None = None
) -> list[KeyDateView]:
    """The key dates of every enquiry in a case (``cases.selectors.case_enquiries``), with
    their deadlines, in date order; each knows its enquiry. Two queries, as above."""
    key_dates = KeyDate.objects.filter(enquiry__in=enquiries).select_related(
        "recorded_by", "enquiry"
    )
    return _key_date_views(
        list(key_dates), enquiries=Q(enquiry__in=enquiries), today=today, rules=rules
    )


def key_date_lists(
    *, enquiries: list[Enquiry], today: date | None = None
) -> dict[int, list[KeyDateView]]:
    """``key_date_list`` for many enquiries at once, by enquiry id (every id present): two
    queries whatever their number, for work over a batch of letters."""
    key_dates = KeyDate.objects.filter(enquiry__in=enquiries).select_related("recorded_by")
    lists: dict[int, list[KeyDateView]] = {enquiry.pk: [] for enquiry in enquiries}
    views = _key_date_views(
        list(key_dates), enquiries=Q(enquiry__in=enquiries), today=today, rules=None
    )
    for view in views:
        lists[view.key_date.enquiry_id].append(view)
    return lists


Stored = dict[tuple[int, int], tuple[int, list[DeadlineExtension]]]


def _stored(enquiries: Q) -> Stored:
    """The stored deadline ids and their extensions by (key date, rule) of the enquiries
    ``enquiries`` selects: one query for the rows (run whether or not there are key dates,
    so that a page's query count stays constant), and one for the extensions only if a
    row was extended."""
    rows = Deadline.objects.filter(enquiries).values_list(
        "pk", "key_date_id", "rule_id", "extended_to"
    )
    return _stored_from(
        rows,
        lambda deadline_ids: DeadlineExtension.objects.filter(
            deadline_id__in=list(deadline_ids)
        ).select_related("recorded_by", "document"),
    )


def _stored_from(
    rows: Iterable[tuple[int, int, int, date | None]],
    extensions_of: Callable[[set[int]], Iterable[DeadlineExtension]],
) -> Stored:
    """``_stored`` from the deadline rows (id, key date, rule, extended to); the extensions
    of the extended ones are asked of ``extensions_of`` (only if one was extended)."""
    stored: Stored = {}
    extended: dict[int, list[DeadlineExtension]] = {}
    for pk, key_date_id, rule_id, extended_to in rows:
        stored[key_date_id, rule_id] = (pk, [])
        if extended_to is not None:
            extended[pk] = stored[key_date_id, rule_id][1]
    if extended:
        for extension in extensions_of(set(extended)):
            extended[extension.deadline_id].append(extension)
    return stored


def _councils(enquiries: Q) -> dict[int, list[LocalAuthority]]:
    """The councils named on the key dates of the enquiries ``enquiries`` selects, by key
    date id, by name: one query, run whether or not there are key dates (as ``_stored``)."""
    return _councils_from(_named_councils(enquiries))


def _named_councils(enquiries: Q) -> QuerySet[Any]:
    Named = KeyDate.councils.through
    return (
        Named.objects.filter(keydate__in=KeyDate.objects.filter(enquiries).values("pk"))
        .select_related("localauthority")
        .order_by("localauthority__name")
    )


def _councils_from(rows: Iterable[Any]) -> dict[int, list[LocalAuthority]]:
    found: dict[int, list[LocalAuthority]] = {}
    for row in rows:
        found.setdefault(row.keydate_id, []).append(row.localauthority)
    return found


def _with_stored(
    view: DeadlineView, key_date: KeyDate, stored: Stored, *, today: date
) -> DeadlineView:
    pk, extensions = stored.get((key_date.pk, view.rule.pk), (None, []))
    if not extensions:
        return replace(view, deadline_id=pk)
    due = extensions[-1].extended_to
    return replace(view, deadline_id=pk, extensions=tuple(extensions), days_left=(due - today).days)


def _key_date_views(
    key_dates: list[KeyDate],
    *,
    enquiries: Q,
    today: date | None,
    rules: list[DeadlineRule] | None,
) -> list[KeyDateView]:
    return _views(key_dates, _stored(enquiries), _councils(enquiries), today=today, rules=rules)


def _views(
    key_dates: list[KeyDate],
    stored: Stored,
    councils: dict[int, list[LocalAuthority]],
    *,
    today: date | None,
    rules: list[DeadlineRule] | None,
) -> list[KeyDateView]:
    today = today or timezone.localdate()
    if not key_dates:
        return []
    triggers = {t.slug: t for t in key_date_triggers(rules)}
    others = other_starts_for(key_dates)
    views = []
    for key_date in key_dates:
        trigger = triggers.get(key_date.trigger)
        deadlines = (
            [
                _with_stored(
                    deadline_compute(
                        rule=r,
                        start=key_date.date,
                        today=today,
                        conditions=key_date.conditions,
                        other_starts=others.get(key_date.enquiry_id),
                    ),
                    key_date,
                    stored,
                    today=today,
                )
                for r in trigger.rules
            ]
            if trigger
            else []
        )
        views.append(
            KeyDateView(
                key_date=key_date,
                label=trigger.label if trigger else key_date.trigger,
                deadlines=sorted(deadlines, key=lambda d: (d.due, d.rule.position)),
                also=trigger.also if trigger else (),
                councils=tuple(councils.get(key_date.pk, ())),
            )
        )
    return views


def public_meaning(
    *, rule: DeadlineRule, deadline: Deadline, view: DeadlineView | None = None
) -> str:
    """What the end means, as the group's tracking page shows it: an extended deadline
    says so; one whose start is disputed (``view`` worked both ways, not extended) says
    that the earlier of the two dates is shown, and gives the other."""
    limit = max_length(PublicDate, "meaning")
    if deadline.extended_to:
        return f"{rule.end_meaning} (extended by agreement)"[:limit]
    if view is not None and len(view.readings) > 1:
        shown = min(view.readings, key=lambda r: r.end)
        others = " ".join(
            f"The other date is {r.end:%A %-d %B %Y} (counted from: {r.trigger_event.lower()})."
            for r in view.readings
            if r is not shown
        )
        line = (
            f"{rule.end_meaning.rstrip('.')}. Its start is disputed, so this is the earlier "
            f"of two dates (counted from: {shown.trigger_event.lower()}). {others}"
        )
        return line if len(line) <= limit else f"{line[: limit - 1]}…"
    return rule.end_meaning


def public_copy(
    *,
    rule: DeadlineRule,
    deadline: Deadline,
    others: Mapping[str, date] | None,
    today: date | None = None,
) -> tuple[str, str]:
    """The meaning and the legal source a deadline shown to the group carries, worked from
    the readings it was taken from (``others``: its enquiry's other starts, as
    ``other_starts_query`` gives them): a disputed start with both key dates recorded names
    both sources and says the earlier date is shown."""
    view = deadline_compute(
        rule=rule,
        start=deadline.key_date.date,
        today=today,
        conditions=deadline.key_date.conditions,
        other_starts=others,
    )
    limit = max_length(PublicDate, "legal_source")
    legal_source = view.legal_source
    if len(legal_source) > limit:
        legal_source = f"{legal_source[: limit - 1]}…"
    return public_meaning(rule=rule, deadline=deadline, view=view), legal_source


def deadline_get(*, enquiry: Enquiry, deadline_id: int) -> Deadline:
    """One of ``enquiry``'s stored deadlines (the caller has checked the enquiry is
    visible); 404 otherwise."""
    deadline = (
        Deadline.objects.filter(enquiry=enquiry, pk=deadline_id)
        .select_related("rule", "key_date", "enquiry")
        .first()
    )
    if deadline is None:
        raise Http404("No such deadline")
    return deadline


def deadline_get_by_rule(*, enquiry: Enquiry, key_date_id: int, rule: str) -> Deadline:
    """The deadline rule ``rule`` (a slug) runs from one of ``enquiry``'s key dates, as the
    API names it (the key date's id, the rule's slug); 404 otherwise."""
    deadline = (
        Deadline.objects.filter(enquiry=enquiry, key_date_id=key_date_id, rule__slug=rule)
        .select_related("rule", "key_date", "enquiry")
        .first()
    )
    if deadline is None:
        raise Http404("No such deadline")
    return deadline


def deadline_view_get(*, enquiry: Enquiry, deadline: Deadline) -> DeadlineView:
    """``deadline`` as the page and the API show it (computed, with its extensions)."""
    for view in key_date_list(enquiry=enquiry):
        if view.key_date.pk == deadline.key_date_id:
            for found in view.deadlines:
                if found.deadline_id == deadline.pk:
                    return found
    raise Http404("No such deadline")


def key_date_get(*, enquiry: Enquiry, key_date_id: int) -> KeyDate:
    """One of ``enquiry``'s key dates (the caller has checked the enquiry is visible)."""
    key_date = KeyDate.objects.filter(enquiry=enquiry, pk=key_date_id).first()
    if key_date is None:
        raise Http404("No such key date")
    return key_date


def deadlines_due_for_reminder(*, today: date, within_days: int = 7) -> QuerySet[Deadline]:
    """Deadlines ending within ``within_days``, and those passed without an outcome, on open
    enquiries that an adviser holds: the ones the reminder command writes about.

    A passed deadline is "without an outcome" when nothing has been recorded on the
    enquiry since its key date was (issue 3: remind of deadlines "passed without an
    outcome"); an outcome recorded before the key date says nothing about this clock.
    """
    outcome_since_key_date = Outcome.objects.filter(
        enquiry_id=OuterRef("enquiry_id"), recorded_at__gte=OuterRef("key_date__recorded_at")
    )
    return (
        Deadline.objects.filter(
            ends_on__lte=today + timedelta(days=within_days),
            enquiry__status__in=Status.open_values(),
            enquiry__assigned_to__isnull=False,
        )
        .filter(Q(ends_on__gte=today) | ~Exists(outcome_since_key_date))
        .select_related("rule", "key_date", "enquiry__assigned_to")
        .order_by("ends_on", "pk")
    )
