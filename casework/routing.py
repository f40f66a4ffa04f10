"""Routing rules: which adviser should take a new enquiry, and why.

Pure functions over plain data, so the rules are tested without a database.
Among advisers who are active, not away, have expertise in the enquiry's
topic and have room under their capacity, prefer those who cover the
enquiry's area, then the lowest load relative to capacity, then whoever was
assigned least recently. Nobody eligible: the enquiry waits in a team queue.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

_NEVER = datetime.min.replace(tzinfo=UTC)


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

    @property
    def load(self) -> float:
        return self.open_count / self.capacity if self.capacity else 1.0

    @property
    def load_text(self) -> str:
        return f"{self.open_count} of {self.capacity} open ({self.load:.0%})"


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


def _ineligibility(candidate: Candidate, topic_label: str) -> str | None:
    if candidate.is_away:
        return "away today"
    if not candidate.has_expertise:
        return f"no expertise in {topic_label}"
    if candidate.open_count >= candidate.capacity:
        return f"at capacity: {candidate.load_text}"
    return None


def _sort_key(candidate: Candidate) -> tuple:
    return (
        not candidate.covers_area,
        candidate.load,
        candidate.last_assigned_at or _NEVER,
        candidate.adviser_id,
    )


def choose_adviser(
    candidates: list[Candidate], *, topic_label: str | None, area_label: str | None
) -> RoutingDecision:
    """Rank the candidates and explain the choice in words a manager can check."""
    if topic_label is None:
        verdicts = tuple(
            Verdict(c, False, "the group was not sure of the topic") for c in candidates
        )
        return RoutingDecision(
            None,
            "No topic was given, so the enquiry waits in the triage queue for an adviser "
            "to read it and claim it.",
            verdicts,
        )

    eligible, refused = [], []
    for candidate in candidates:
        problem = _ineligibility(candidate, topic_label)
        if problem:
            refused.append(Verdict(candidate, False, problem))
        else:
            eligible.append(candidate)
    eligible.sort(key=_sort_key)

    ranked = []
    for rank, candidate in enumerate(eligible, start=1):
        parts = [
            "covers " + area_label
            if candidate.covers_area and area_label
            else "does not cover the area"
            if area_label
            else "no area given",
            candidate.load_text,
            "last assigned " + candidate.last_assigned_at.strftime("%d %b %Y %H:%M")
            if candidate.last_assigned_at
            else "not assigned before",
        ]
        ranked.append(Verdict(candidate, True, "; ".join(parts), rank))
    verdicts = tuple(ranked + sorted(refused, key=lambda v: v.candidate.name))

    if not eligible:
        return RoutingDecision(
            None,
            f"No adviser with expertise in {topic_label} is available with room in their "
            f"caseload, so the enquiry waits in the team queue.",
            verdicts,
        )
    chosen = eligible[0]
    why = [f"has expertise in {topic_label}"]
    if area_label:
        why.append(
            f"covers {area_label}"
            if chosen.covers_area
            else f"nobody available covers {area_label}"
        )
    if len(eligible) > 1:
        why.append(
            f"lightest load among {'those' if chosen.covers_area else 'the rest'}: "
            f"{chosen.load_text}"
        )
    else:
        why.append(f"the only adviser available ({chosen.load_text})")
    return RoutingDecision(
        chosen,
        f"Routed to {chosen.name}: " + ", ".join(why) + f". {len(candidates)} advisers considered, "
        f"{len(eligible)} eligible.",
        verdicts,
    )
