"""Routing rules: which adviser should take a new enquiry, and why (docs/routing.md).

Pure functions over plain data, so the rules are tested without a database.
An adviser is eligible when not away, expert in the enquiry's topic (the
caller works out that a top-level topic covers its sub-topics) and holding
fewer open enquiries than their capacity. Among the eligible, prefer those
who cover the enquiry's area, then the lowest load relative to capacity, then
whoever covers more of the enquiry's secondary topics (a tie-breaker: it never
outweighs area or load, so one specialist is not sent every enquiry that touches
their field), then whoever was assigned least recently, then the lowest id (so the result never
depends on the order the candidates came in). Nobody eligible: the enquiry
waits in a team queue.

Every decision carries an explanation a manager can check, naming the rule
that decided it, and a verdict for each candidate: why they were or were not
chosen.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from fractions import Fraction

_NEVER = datetime.min.replace(tzinfo=UTC)


# The rules that can separate two eligible advisers, in the order they apply.
AREA = "area"


LOAD = "load"


SECONDARY = "secondary topics"


RECENCY = "assigned least recently"


ID = "registered first"


@dataclass(frozen=True)
class Candidate:
    adviser_id: int
    name: str
    has_expertise: bool
    covers_area: bool
    open_count: int
    capacity: int
    is_away: bool
    last_assigned_at: datetime | None = None
    # The enquiry's secondary topics this adviser has expertise in (their labels).
    secondary_covered: tuple[str, ...] = ()

    @property
    def load(self) -> float:
        return self.open_count / self.capacity if self.capacity else 1.0

    @property
    def exact_load(self) -> Fraction:
        """Open enquiries over capacity, compared exactly (1/3 equals 2/6)."""
        return Fraction(self.open_count, self.capacity) if self.capacity else Fraction(1)

    @property
    def load_text(self) -> str:
        return f"{self.open_count} of {self.capacity} open ({self.load:.0%})"

    @property
    def last_assigned_text(self) -> str:
        if self.last_assigned_at is None:
            return "never assigned an enquiry before"
        return "last assigned " + self.last_assigned_at.strftime("%d %b %Y %H:%M")


@dataclass(frozen=True)
class Verdict:
    candidate: Candidate
    eligible: bool
    reason: str
    rank: int | None = None


@dataclass(frozen=True)
class RoutingDecision:
    chosen: Candidate | None
    explanation: str
    verdicts: tuple[Verdict, ...]
    deciding_rule: str | None = None


def ineligibility(candidate: Candidate, topic_label: str) -> list[str]:
    """Every reason the candidate cannot take the enquiry (empty if they can)."""
    problems = []
    if candidate.is_away:
        problems.append("away today")
    if not candidate.has_expertise:
        problems.append(f"no expertise in {topic_label}")
    if candidate.capacity <= 0:
        problems.append("takes no new enquiries (capacity 0)")
    elif candidate.open_count >= candidate.capacity:
        problems.append(f"at capacity: {candidate.load_text}")
    return problems


def _sort_key(candidate: Candidate) -> tuple[bool, Fraction, int, datetime, int]:
    return (
        not candidate.covers_area,
        candidate.exact_load,
        -len(candidate.secondary_covered),
        candidate.last_assigned_at or _NEVER,
        candidate.adviser_id,
    )


def deciding_rule(winner: Candidate, loser: Candidate) -> str:
    """The first rule that puts ``winner`` ahead of ``loser`` (both eligible)."""
    if winner.covers_area != loser.covers_area:
        return AREA
    if winner.exact_load != loser.exact_load:
        return LOAD
    if len(winner.secondary_covered) != len(loser.secondary_covered):
        return SECONDARY
    if (winner.last_assigned_at or _NEVER) != (loser.last_assigned_at or _NEVER):
        return RECENCY
    return ID


def _why_ahead(
    winner: Candidate, loser: Candidate, rule: str, area_label: str | None, secondary: int = 0
) -> str:
    """Why ``winner`` beat ``loser``, in words, naming the deciding rule. ``secondary``: how
    many secondary topics the enquiry has (none: the rule is not mentioned)."""
    if rule == AREA:
        return f"decided by area: {winner.name} covers {area_label}; {loser.name} does not"
    if rule == LOAD:
        return (
            f"decided by load: {winner.name} has {winner.load_text}, "
            f"{loser.name} has {loser.load_text}"
        )
    if rule == SECONDARY:
        return (
            f"tied on area and load with {loser.name}, so decided by the secondary topics: "
            f"{winner.name} {_secondary_fact(winner, secondary)}, "
            f"{loser.name} {_secondary_fact(loser, secondary)}"
        )
    tied = "area, load and secondary topics" if secondary else "area and load"
    if rule == RECENCY:
        return (
            f"tied on {tied} with {loser.name}, so decided by who was assigned least "
            f"recently: {winner.name} was {winner.last_assigned_text}, "
            f"{loser.name} was {loser.last_assigned_text}"
        )
    return (
        f"tied on {tied} and when last assigned with {loser.name}, "
        f"so decided by who was registered first"
    )


def _advisers(count: int) -> str:
    return f"{count} adviser" if count == 1 else f"{count} advisers"


def _secondary_fact(candidate: Candidate, secondary: int) -> str:
    covered = candidate.secondary_covered
    named = f" ({'; '.join(covered)})" if covered else ""
    return f"covers {len(covered)} of {secondary} secondary topics{named}"


def _area_fact(candidate: Candidate, area_label: str | None) -> str:
    if not area_label:
        return "no area given"
    return f"covers {area_label}" if candidate.covers_area else f"does not cover {area_label}"


def choose_adviser(
    candidates: list[Candidate],
    *,
    topic_label: str | None,
    area_label: str | None,
    queue_label: str = "the team queue",
    secondary_count: int = 0,
) -> RoutingDecision:
    """Rank the candidates and explain the choice in words a manager can check.

    ``topic_label`` None means the group was not sure of the topic: nobody is
    chosen and the enquiry waits for triage. ``queue_label`` names where an
    enquiry nobody can take will wait (e.g. "the Triage queue"). ``secondary_count``:
    how many secondary topics the enquiry has (each candidate says which it covers).
    """
    if topic_label is None:
        verdicts = tuple(
            Verdict(c, False, "the group was not sure of the topic")
            for c in sorted(candidates, key=lambda c: (c.name, c.adviser_id))
        )
        return RoutingDecision(
            None,
            f"No topic was given, so the enquiry waits in {queue_label} for an adviser "
            "to read it and claim it.",
            verdicts,
        )

    if not area_label:  # no area given: covering one cannot count
        candidates = [replace(c, covers_area=False) for c in candidates]
    eligible, refused = [], []
    for candidate in candidates:
        problems = ineligibility(candidate, topic_label)
        if problems:
            refused.append(Verdict(candidate, False, "; ".join(problems)))
        else:
            eligible.append(candidate)
    eligible.sort(key=_sort_key)
    refused.sort(key=lambda v: (v.candidate.name, v.candidate.adviser_id))

    if not eligible:
        return RoutingDecision(
            None,
            f"No adviser with expertise in {topic_label} is available with room in their "
            f"caseload ({len(candidates)} considered), so the enquiry waits in {queue_label}.",
            tuple(refused),
        )

    def facts(candidate: Candidate) -> str:
        said = [_area_fact(candidate, area_label), candidate.load_text]
        if secondary_count:
            said.append(_secondary_fact(candidate, secondary_count))
        return "; ".join([*said, candidate.last_assigned_text])

    chosen = eligible[0]
    ranked = [Verdict(chosen, True, f"chosen: {facts(chosen)}", 1)]
    for rank, candidate in enumerate(eligible[1:], start=2):
        facts_other = facts(candidate)
        behind = _why_ahead(
            chosen, candidate, deciding_rule(chosen, candidate), area_label, secondary_count
        )
        ranked.append(Verdict(candidate, True, f"{facts_other}; not chosen, {behind}", rank))

    why = [f"has expertise in {topic_label}"]
    if area_label:
        why.append(
            f"covers {area_label}"
            if chosen.covers_area
            else f"nobody available covers {area_label}"
        )
    rule = deciding_rule(chosen, eligible[1]) if len(eligible) > 1 else None
    decided = ""
    if rule is None:
        why.append(f"the only adviser available ({chosen.load_text})")
    else:
        among = f" among those covering {area_label}" if chosen.covers_area else ""
        why.append(
            f"lightest load{among}: {chosen.load_text}" if rule == LOAD else chosen.load_text
        )
        ahead = _why_ahead(chosen, eligible[1], rule, area_label, secondary_count)
        decided = ahead[0].upper() + ahead[1:] + ". "
    return RoutingDecision(
        chosen,
        f"Routed to {chosen.name}: " + ", ".join(why) + f". {decided}"
        f"{_advisers(len(candidates))} considered, {len(eligible)} eligible.",
        tuple(ranked + refused),
        rule,
    )
