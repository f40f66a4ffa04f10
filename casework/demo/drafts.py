"""How the demo seed drafts one enquiry: its topic and text, when it was handled, its
service levels and outcome, and who held it (by the desk's real routing rules)."""

import math
import random
from collections import Counter
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.utils import timezone

from casework.demo.data import (
    ASKS,
    ASSETS_NAMED,
    CHANNEL_PICKER,
    CLOCK_TOPICS,
    GENERAL_SHARE,
    OPEN_STATUS_PICKER,
    PRIORITY_CLOCK_PICKER,
    PRIORITY_PICKER,
    QUEUE_WINDOW,
    STAFF_LOGGED,
    STREETS,
    SUBJECTS,
)
from casework.demo.records import Area, DeskAdviser, Draft, Event, Party, TopicInfo
from casework.models import Assignment
from casework.queue.routing import Candidate, choose_adviser
from enquiries import service_levels
from enquiries.models import (
    Enquiry,
    EnquiryEvent,
    Status,
)


class EnquiryDrafts:
    """The drafting half of ``Seeder``, which sets the state these methods read."""

    rng: random.Random
    now: datetime
    stats: Counter[str]
    advisers: list[DeskAdviser]
    by_pk: dict[int, DeskAdviser]
    topics: dict[str, TopicInfo]
    topic_pickers: dict[str, Any]
    areas: list[Area]
    sla_targets: dict[int | None, tuple[int, int]]
    team_for_root: dict[int, int]
    triage_team_pk: int
    team_names: dict[int, str]

    def _pick_topic(self, org_type: str) -> TopicInfo | None:
        root = self.topic_pickers["root"][org_type].pick(self.rng)
        if root is None:
            return None
        family = self.topic_pickers["family"].get(root)
        if family is None or self.rng.random() < GENERAL_SHARE:
            return self.topics[root]
        return self.topics[family.pick(self.rng)]

    def _area(self, party: Party) -> Area | None:
        roll = self.rng.random()
        if roll < 0.88:
            return party.area
        return self.rng.choice(self.areas) if roll < 0.95 else None

    def _text(self, topic: TopicInfo | None, party: Party) -> dict:
        rng = self.rng
        asset = ""
        root_slug = topic.root_slug if topic else None
        if topic and topic.concerns_asset:
            asset = rng.choice(ASSETS_NAMED).format(place=party.place)
        subjects = SUBJECTS.get(topic.slug if topic else None) or SUBJECTS[root_slug]
        subject = rng.choice(subjects).format(asset=asset or "our building", place=party.place)
        ask = ASKS[root_slug]
        return {
            "subject": subject[:200],
            "message": (
                f"Hello, I am writing for {party.org_name} in {party.place}: {ask}. "
                f"{subject}. Could an adviser tell us what we should do next, and by when? "
                f"Thank you, {party.contact_name}"
            ),
            "asset_name": asset,
            "asset_address": (
                f"{rng.randrange(1, 120)} {rng.choice(STREETS)}, {party.place}" if asset else ""
            ),
        }

    def _timeline(self, at: datetime) -> tuple[datetime, datetime]:
        """When the desk first responds, and when the enquiry would close (office hours)."""
        rng = self.rng
        delay = min(max(rng.lognormvariate(math.log(18), 0.9), 0.25), 240)
        responded = self._office_hours(at + timedelta(hours=delay))
        roll = rng.random()
        if roll < 0.25:  # answered at first contact
            return responded, responded + timedelta(minutes=rng.uniform(5, 90))
        if roll < 0.98:
            days = min(rng.lognormvariate(math.log(5), 1.0), 120)
        else:  # it became longer casework
            days = rng.uniform(30, 240)
        return responded, max(self._office_hours(responded + timedelta(days=days)), responded)

    def _office_hours(self, moment: datetime) -> datetime:
        """Move a desk action outside 08:00-18:00 on a weekday to the next working morning."""
        if moment.hour >= 18:
            moment += timedelta(days=1)
        if moment.hour >= 18 or moment.hour < 8:
            minutes = self.rng.uniform(0, 90)
            moment = moment.replace(hour=8, minute=0, second=0) + timedelta(minutes=minutes)
        if moment.weekday() >= 5:
            moment += timedelta(days=7 - moment.weekday())
        return moment

    def _draft(self, reference: str, at: datetime, party: Party) -> Draft:
        rng = self.rng
        topic = self._pick_topic(party.org_type)
        area = self._area(party)
        channel = CHANNEL_PICKER.pick(rng)
        logged_by = rng.choice(self.advisers).user_pk if channel in STAFF_LOGGED else None
        would_respond, closes = self._timeline(at)
        adviser, method, reason, assigned_at = self._assign(topic, area, at, would_respond)
        status, responded, closed = self._outcome(adviser, would_respond, closes)
        if adviser is not None:
            adviser.take(assigned_at, closed.timestamp() if closed else math.inf)
        self.stats["open"] += status != Status.CLOSED
        self.stats["queued"] += adviser is None
        events: list[Event] = [
            (EnquiryEvent.Kind.RECEIVED, logged_by, {"channel": str(channel)}, at)
        ]
        events += self._handling_events(adviser, method, assigned_at, status, responded, closed)
        priorities = (
            PRIORITY_CLOCK_PICKER if topic and topic.slug in CLOCK_TOPICS else PRIORITY_PICKER
        )
        enquiry = Enquiry(
            reference=reference,
            channel=channel,
            topic_id=topic.pk if topic else None,
            organisation_id=party.organisation_pk,
            contact_id=party.contact_pk,
            local_authority_id=area.pk if area else None,
            status=status,
            priority=priorities.pick(rng),
            received_at=at,
            first_response_at=responded,
            closed_at=closed,
            **self._service_levels(topic, at, status, responded, closed),
            assigned_to_id=adviser.user_pk if adviser else None,
            logged_by_id=logged_by,
            updated_at=max(event[-1] for event in events),
            **self._text(topic, party),
        )
        assignment = {
            "adviser_id": adviser and adviser.pk,
            "team_id": self._team(topic, adviser),
            "method": method,
            "reason": reason,
            "assigned_by_id": (
                adviser.user_pk if adviser and method == Assignment.Method.CLAIMED else None
            ),
            "is_current": True,
            "created_at": assigned_at,
        }
        return Draft(enquiry, assignment, events)

    def _service_levels(
        self,
        topic: TopicInfo | None,
        at: datetime,
        status: str,
        responded: datetime | None,
        closed: datetime | None,
    ) -> dict[str, Any]:
        """Due dates from the topic's target (its own, its parent's, else the default), as
        intake sets them, and what the services would have recorded since: the working days
        to first response and resolution, and a pause while the desk waits for the group.
        Recent unanswered enquiries come out on track, at risk or breached."""
        first, resolution = (
            (topic and (self.sla_targets.get(topic.pk) or self.sla_targets.get(topic.root_pk)))
            or self.sla_targets.get(None)
            or (2, 20)
        )
        received_on = timezone.localdate(at)
        due = _due_dates(received_on, first, resolution)
        values: dict[str, Any] = {
            "first_response_due": due.first_response_due,
            "resolution_due": due.resolution_due,
        }
        if responded is not None:
            values["first_response_working_days"] = _taken(
                received_on, timezone.localdate(responded)
            )
        resolved_when: dict[str, datetime | None] = {
            Status.CLOSED: closed,
            Status.ANSWERED: responded,
        }
        resolved = resolved_when.get(status)
        if resolved is not None:
            values["resolved_at"] = resolved
            values["resolution_working_days"] = _taken(received_on, timezone.localdate(resolved))
        if status == Status.AWAITING_GROUP:
            values["sla_paused_since"] = responded
        return values

    def _outcome(
        self, adviser: DeskAdviser | None, responded: datetime, closes: datetime
    ) -> tuple[str, datetime | None, datetime | None]:
        """Status, first response and closing time as they stand now."""
        if adviser is None:
            return Status.RECEIVED, None, None
        if closes <= self.now:
            return Status.CLOSED, responded, closes
        if responded > self.now:
            return Status.IN_PROGRESS, None, None
        return OPEN_STATUS_PICKER.pick(self.rng), responded, None

    @staticmethod
    def _handling_events(
        adviser: DeskAdviser | None,
        method: str,
        assigned_at: datetime,
        status: str,
        responded: datetime | None,
        closed: datetime | None,
    ) -> list[Event]:
        """The audit trail after receipt, as the services would have written it."""
        if adviser is None:
            return [(EnquiryEvent.Kind.UNASSIGNED, None, {"assignee": None}, assigned_at)]
        actor = adviser.user_pk
        by = actor if method == Assignment.Method.CLAIMED else None
        events: list[Event] = [
            (EnquiryEvent.Kind.ASSIGNED, by, {"assignee": adviser.username}, assigned_at)
        ]
        if status in (Status.AWAITING_GROUP, Status.ANSWERED, Status.CLOSED):
            change = {"from": Status.IN_PROGRESS.value, "to": str(status)}
            when = closed or responded or assigned_at  # responded is set at these statuses
            events.append((EnquiryEvent.Kind.STATUS_CHANGED, actor, change, when))
        return events

    def _queue_team(self, topic: TopicInfo | None) -> int:
        """The team whose remit covers the topic, else triage (``selectors.team_for_topic``)."""
        return (
            self.team_for_root.get(topic.root_pk, self.triage_team_pk)
            if topic
            else (self.triage_team_pk)
        )

    def _team(self, topic: TopicInfo | None, adviser: DeskAdviser | None) -> int:
        """The team recorded with the assignment, as ``casework.queue.services`` records it."""
        team = self._queue_team(topic)
        if adviser is not None and team not in adviser.team_pks and adviser.team_pks:
            team = adviser.team_pks[0]
        return team

    def _assign(
        self, topic: TopicInfo | None, area: Area | None, at: datetime, responded: datetime
    ) -> tuple[DeskAdviser | None, str, str, datetime]:
        """Who holds the enquiry, how they came to, why, and since when.

        Each enquiry goes through the real routing rules with every adviser's
        caseload at that moment. A recent one that nobody could take (or, now
        and then, one not yet picked up) waits in a queue; an older one was
        claimed from the queue later by the least busy adviser able to take it.
        """
        when = at + timedelta(seconds=self.rng.uniform(1, 5))
        recent = self.now - at < QUEUE_WINDOW
        queue = f"the {self.team_names[self._queue_team(topic)]} queue"
        decision = choose_adviser(
            self._candidates(at, topic, area) if topic else [],
            topic_label=topic.label if topic else None,
            area_label=area.name if area else None,
            queue_label=queue,
        )
        if recent and (decision.chosen is None or self.rng.random() < 0.3):
            reason = decision.explanation
            if decision.chosen is not None and topic:  # not picked up yet
                reason = f"Waiting in {queue} for an adviser with expertise in {topic.label}."
            return None, Assignment.Method.QUEUED, reason, when
        if decision.chosen is not None:
            adviser = self.by_pk[decision.chosen.adviser_id]
            return adviser, Assignment.Method.ROUTED, decision.explanation, when
        adviser = self._claimant(at, topic)
        claimed_at = at + (responded - at) * self.rng.uniform(0.2, 0.9)
        reason = f"Claimed by {adviser.name} from {queue}."
        return adviser, Assignment.Method.CLAIMED, reason, claimed_at

    def _candidates(self, at: datetime, topic: TopicInfo, area: Area | None) -> list[Candidate]:
        """Every adviser as ``queue.selectors.routing_candidates`` would see them at ``at``."""
        stamp, day = at.timestamp(), at.date()
        return [
            Candidate(
                adviser_id=a.pk,
                name=a.name,
                has_expertise=topic.root_pk in a.topic_pks,
                covers_area=area is not None
                and (area.pk in a.area_pks or area.region_pk in a.region_pks),
                open_count=a.open_count(stamp),
                capacity=a.capacity,
                is_away=a.is_away(day),
                last_assigned_at=a.last_assigned_at,
            )
            for a in self.advisers
        ]

    def _claimant(self, at: datetime, topic: TopicInfo | None) -> DeskAdviser:
        """The least loaded adviser able to take it (expertise, or triage for no topic)."""
        if topic is None:
            able = [a for a in self.advisers if self.triage_team_pk in a.team_pks]
        else:
            able = [a for a in self.advisers if topic.root_pk in a.topic_pks]
        able = able or self.advisers
        present = [a for a in able if not a.is_away(at.date())] or able
        stamp = at.timestamp()
        return min(present, key=lambda a: (a.open_count(stamp) / a.capacity, a.pk))


# Seeding a million enquiries asks the same few thousand questions again and again.
_due_dates = lru_cache(maxsize=None)(service_levels.due_dates)
_taken = lru_cache(maxsize=None)(service_levels.working_days_taken)
