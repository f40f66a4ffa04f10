"""The demo seed's in-memory view of the desk: topics, areas, groups, advisers and the
enquiries drafted before they are written."""

import heapq
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from enquiries.models import (
    Enquiry,
)

# --- in-memory view of the desk for the simulation ----------------------------------------------


@dataclass(frozen=True, slots=True)
class TopicInfo:
    pk: int
    slug: str
    root_pk: int
    root_slug: str
    label: str
    concerns_asset: bool


@dataclass(frozen=True, slots=True)
class Area:
    pk: int
    name: str
    region_pk: int


@dataclass(frozen=True, slots=True)
class Party:
    """A contact and the organisation they write for."""

    contact_pk: int
    organisation_pk: int
    org_type: str
    org_name: str
    area: Area | None
    place: str
    contact_name: str


@dataclass(slots=True)
class DeskAdviser:
    pk: int
    user_pk: int
    username: str
    name: str
    capacity: int
    topic_pks: frozenset[int]
    region_pks: frozenset[int]
    area_pks: frozenset[int]
    team_pks: tuple[int, ...]
    absences: tuple[tuple[date, date], ...]
    # Closing times (timestamps; inf while open) of what the adviser holds: a heap.
    holding: list[float] = field(default_factory=list)
    last_assigned_at: datetime | None = None

    def is_away(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self.absences)

    def open_count(self, at: float) -> int:
        while self.holding and self.holding[0] <= at:
            heapq.heappop(self.holding)
        return len(self.holding)

    def take(self, at: datetime, closes: float) -> None:
        heapq.heappush(self.holding, closes)
        self.last_assigned_at = at


# An audit event to write: (kind, actor's user id, data, when).
Event = tuple[str, int | None, dict[str, Any], datetime]


@dataclass(slots=True)
class Draft:
    """One enquiry with its current assignment and audit events, before it has a primary key."""

    enquiry: Enquiry
    assignment: dict[str, Any]
    events: list[Event]
