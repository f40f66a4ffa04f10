"""The reference lists every public submission reads, held in each server process and read
from the database again only when their version changes (issue 12).

A form POST read the topics (for the picker's groups), then the chosen area and topic
(to validate them), then the topic's service level target, and routing read the area,
the topic and its parent once more: seven queries of data that changes a few times a
year. ``reference_data()`` answers all of them from one snapshot: the active topics with
their parents, the active areas with their regions, and the service level targets; and
for the staff enquiry page, the active deadline rules and canned replies (snippets).

The version is a random token in the shared cache (``caches["default"]``: Redis when
``REDIS_URL`` is set, else the database cache table), so every process sees a change:
any save or delete of a ``Topic``, ``Region``, ``LocalAuthority``, ``ServiceLevelTarget``,
``DeadlineRule``, ``Snippet`` or ``SnippetVersion`` (the admin, the desk's service level
page, a shell, ``loaddata``) and every ``migrate`` takes a new token
(``reference_changed``), at once and again after the commit, so a process that reloads
between the two cannot keep data from before the commit. A change made without a model
signal (``QuerySet.update``, raw SQL) is seen after the next save or ``migrate``, or by
calling ``reference_changed()``.

The lists are the selectors' own querysets (``topic_choices``,
``local_authority_choices``), so they hold what those would read. The snapshot's rows are
shared by every request of the process: the lookups hand out copies, and the lists are for
reading only.
"""

import copy
import logging
from functools import cached_property

from django.db import DatabaseError

from config.held import renew
from config.held import version as held_version
from knowledgebase.models import (
    DeadlineRule,
    LocalAuthority,
    ServiceLevelTarget,
    Snippet,
    Topic,
)
from knowledgebase.selectors import local_authority_choices, topic_choices

logger = logging.getLogger(__name__)

VERSION_KEY = "knowledgebase:reference-version"


class ReferenceData:
    """One version of the reference lists; each list is read on first use (a page that
    needs only the topics reads only them)."""

    def __init__(self, version: str) -> None:
        self.version = version

    @cached_property
    def topics(self) -> tuple[Topic, ...]:
        """Active topics, parents before their children, each with its parent."""
        return tuple(topic_choices())

    @cached_property
    def areas(self) -> tuple[LocalAuthority, ...]:
        """Active areas by name, each with its region."""
        return tuple(local_authority_choices().select_related("region"))

    @cached_property
    def targets(self) -> dict[int | None, ServiceLevelTarget]:
        """Service level targets by topic id; None: the default."""
        return {target.topic_id: target for target in ServiceLevelTarget.objects.all()}

    @cached_property
    def deadline_rules(self) -> tuple[DeadlineRule, ...]:
        """Active deadline rules (clocks) in their order: the enquiry page's key dates."""
        return tuple(DeadlineRule.objects.filter(is_active=True).order_by("position", "pk"))

    @cached_property
    def snippets(self) -> tuple[Snippet, ...]:
        """Active canned replies by title, each with its current text (``snippet_list``):
        offered on every enquiry page."""
        from knowledgebase.snippets.selectors import snippet_list  # it imports this module

        return tuple(snippet_list())

    @cached_property
    def _topics_by_slug(self) -> dict[str, Topic]:
        return {topic.slug: topic for topic in self.topics}

    @cached_property
    def _areas_by_slug(self) -> dict[str, LocalAuthority]:
        return {area.slug: area for area in self.areas}

    def topic(self, slug: str) -> Topic | None:
        """The active topic with ``slug`` (a copy, its parent loaded), or None."""
        found = self._topics_by_slug.get(slug)
        return copy.copy(found) if found is not None else None

    def area(self, slug: str) -> LocalAuthority | None:
        """The active area with ``slug`` (a copy, its region loaded), or None."""
        found = self._areas_by_slug.get(slug)
        return copy.copy(found) if found is not None else None

    def service_level_for(self, topic: Topic | None) -> ServiceLevelTarget:
        """As ``selectors.service_level_for``: the topic's own target, else its parent's,
        else the default; an unsaved 2 and 20 should the default be missing."""
        for key in (topic.pk, topic.parent_id) if topic is not None else ():
            if key is not None and key in self.targets:
                return copy.copy(self.targets[key])
        if None in self.targets:
            return copy.copy(self.targets[None])
        logger.warning("no default service level target: using 2 and 20 working days")
        return ServiceLevelTarget(first_response_days=2, resolution_days=20)


_held: ReferenceData | None = None


def reference_data() -> ReferenceData:
    """The reference lists at their current version: no query while it holds (reading
    the version is a cache read: no SQL with Redis, one ``SELECT`` with the database
    cache), one per list used when it has changed."""
    global _held
    version = held_version(VERSION_KEY)
    held = _held
    if held is None or held.version != version:
        held = _held = ReferenceData(version)
    return held


def reference_changed(*args: object, **kwargs: object) -> None:
    """A new version of the reference lists, now and again after the commit
    (``config.held.renew``); connected to the models' ``post_save`` and ``post_delete``."""
    renew(VERSION_KEY)


def reference_migrated(*args: object, **kwargs: object) -> None:
    """``post_migrate``: a migration may have changed the lists through historical models,
    whose saves no receiver hears. Not fatal when the cache cannot be written yet (the
    database cache's table is made after the first ``migrate``): a new cache has no
    version, and every process loads afresh."""
    global _held
    _held = None
    try:
        reference_changed()
    except DatabaseError:
        logger.info("reference data version not renewed: no cache table yet")
