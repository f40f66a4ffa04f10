"""Which team's queue each topic goes to, held in each server process under a version
(``config.held``): routing, claiming and assigning ask it of every enquiry, and teams'
remits change a few times a year.

A new version on any save or delete of a ``Team``, any change to a team's topics
(``m2m_changed``), any topic deleted (its rows in a team's remit go with it, silently),
and every ``migrate`` (``casework/receivers.py``). The teams handed out are copies.
"""

import copy
import logging
from dataclasses import dataclass

from django.db import DatabaseError

from casework.models import Team
from config.held import renew
from config.held import version as held_version

logger = logging.getLogger(__name__)

VERSION_KEY = "casework:team-remits-version"


@dataclass(frozen=True)
class Remits:
    version: str
    by_topic: dict[int, Team]  # each topic's lowest-numbered team with it in its remit
    triage: Team | None


_held: Remits | None = None


def _load(version: str) -> Remits:
    by_topic: dict[int, Team] = {}
    teams = {team.pk: team for team in Team.objects.all()}
    for team_id, topic_id in Team.topics.through.objects.order_by("team_id").values_list(
        "team_id", "topic_id"
    ):
        by_topic.setdefault(topic_id, teams[team_id])
    # As ``Team.objects.filter(is_triage=True).first()``: by name (there is one at most).
    triage = next((t for t in sorted(teams.values(), key=lambda t: t.name) if t.is_triage), None)
    return Remits(version=version, by_topic=by_topic, triage=triage)


def remits() -> Remits:
    global _held
    version = held_version(VERSION_KEY)
    held = _held
    if held is None or held.version != version:
        held = _held = _load(version)
    return held


def team_for_topic_ids(topic_ids: list[int]) -> Team | None:
    """The lowest-numbered team whose remit has any of ``topic_ids`` (a copy), or None."""
    held = remits()
    found = [held.by_topic[pk] for pk in topic_ids if pk in held.by_topic]
    return copy.copy(min(found, key=lambda team: team.pk)) if found else None


def triage_team() -> Team | None:
    team = remits().triage
    return copy.copy(team) if team is not None else None


def remits_changed(*args: object, **kwargs: object) -> None:
    """A new version of the remits (``config.held.renew``)."""
    renew(VERSION_KEY)


def remits_migrated(*args: object, **kwargs: object) -> None:
    """``post_migrate``: as ``knowledgebase.reference_data.reference_migrated``."""
    global _held
    _held = None
    try:
        remits_changed()
    except DatabaseError:
        logger.info("team remits version not renewed: no cache table yet")
