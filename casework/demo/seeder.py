"""Builds the demo desk in memory and writes it with bulk inserts (see seed_demo)."""

import math
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management.base import CommandError
from django.db.models import DateField, Max, TimeField
from django.utils import timezone

from casework.demo.data import (
    ABSENCES,
    ACCESS_NEEDS,
    DEMO_MANAGER,
    DEMO_PASSWORD,
    FIRST_NAMES,
    ORG_NAMES,
    ORG_TYPE_WEIGHTS,
    PLACE_ENDS,
    PLACE_PREFIXES,
    PLACE_STARTS,
    STAFF,
    SUBTOPIC_WEIGHTS,
    SURNAMES,
    TEAMS,
    TOPIC_BIAS,
    TOPIC_WEIGHTS,
    TRIAGE,
    YEARS,
    Picker,
    StaffSpec,
)
from casework.demo.drafts import EnquiryDrafts
from casework.demo.records import Area, DeskAdviser, Draft, Party, TopicInfo
from casework.models import Absence, Adviser, Assignment, Team
from casework.policies import ADVISERS_GROUP, MANAGERS_GROUP
from casework.rollups import services as rollups_services
from casework.rollups.days import local_day
from enquiries.intake.services import reference_last_issued, reference_numbers_used
from enquiries.models import (
    Contact,
    EnquirerType,
    Enquiry,
    EnquiryEvent,
    Organisation,
    ReferenceCounter,
)
from enquiries.references import REFERENCE_RE, format_reference
from knowledgebase.models import LocalAuthority, Nation, Region, ServiceLevelTarget, Topic


@contextmanager
def explicit_timestamps() -> Iterator[None]:
    """Let ``bulk_create`` keep the historical times the seed sets.

    ``auto_now``/``auto_now_add`` fields are stamped with the current time on
    every insert, which would date three years of history today. They are
    switched off for the duration of the seed only, and always restored.
    """
    models = (Organisation, Contact, Enquiry, EnquiryEvent, Assignment)
    stamped = [
        (f, f.auto_now, f.auto_now_add)
        for model in models
        for f in model._meta.concrete_fields
        if isinstance(f, DateField | TimeField) and (f.auto_now or f.auto_now_add)
    ]
    for f, _, _ in stamped:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in stamped:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class Seeder(EnquiryDrafts):
    """Builds the demo desk; all writes happen in the caller's transaction."""

    def __init__(
        self, *, rng: random.Random, batch_size: int, progress: Callable[[int, int, int], None]
    ) -> None:
        self.rng = rng
        self.batch_size = batch_size
        self.progress = progress
        self.now = timezone.now()
        self.tz = timezone.get_default_timezone()
        self.stats: Counter[str] = Counter()

    def run(self, total: int) -> str:
        self._load_reference_data()
        self.advisers = self._seed_staff()
        self.by_pk = {a.pk: a for a in self.advisers}
        parties = self._seed_parties(max(40, min(total // 40, 20_000)))
        self._seed_enquiries(total, parties)
        s = self.stats
        return (
            f"Seeded {len(self.advisers)} advisers in {len(TEAMS)} teams, "
            f"{s['organisations']:,} organisations, {s['contacts']:,} contacts and "
            f"{total:,} enquiries ({s['open']:,} open, {s['queued']:,} waiting in a team queue)."
        )

    # reference data --------------------------------------------------------------------------

    def _load_reference_data(self) -> None:
        topics = list(Topic.objects.select_related("parent"))
        if not topics or not LocalAuthority.objects.exists():
            raise CommandError("Topics and areas are missing: run `manage.py migrate` first.")
        self.topics = {
            t.slug: TopicInfo(
                t.pk,
                t.slug,
                t.root_id,
                t.parent.slug if t.parent else t.slug,
                str(t),
                t.concerns_asset,
            )
            for t in topics
        }
        self.topic_pickers = self._topic_pickers(topics)
        # The demo desk's groups are in England, where its rights apply.
        rows = LocalAuthority.objects.filter(region__nation=Nation.ENGLAND).values_list(
            "pk", "slug", "name", "region_id"
        )
        self.area_by_slug = {slug: Area(pk, name, region) for pk, slug, name, region in rows}
        self.areas = list(self.area_by_slug.values())
        self.region_by_slug = dict(Region.objects.values_list("slug", "pk"))
        targets = ServiceLevelTarget.objects.values_list(
            "topic_id", "first_response_days", "resolution_days"
        )
        self.sla_targets: dict[int | None, tuple[int, int]] = {
            topic: (first, resolution) for topic, first, resolution in targets
        }

    def _topic_pickers(self, topics: Sequence[Topic]) -> dict:
        """A picker of top-level topic per enquirer type, and of sub-topic per family."""
        roots = {t.slug for t in topics if t.parent_id is None}
        weights = {slug: w for slug, w in TOPIC_WEIGHTS.items() if slug is None or slug in roots}
        by_type = {
            org_type: Picker(
                {s: w * TOPIC_BIAS.get(org_type, {}).get(s, 1) for s, w in weights.items()}
            )
            for org_type in EnquirerType.values
        }
        families: dict[str, dict[str, float]] = {}
        for t in topics:
            if t.parent:
                families.setdefault(t.parent.slug, {})[t.slug] = SUBTOPIC_WEIGHTS.get(t.slug, 1)
        return {"root": by_type, "family": {k: Picker(v) for k, v in families.items()}}

    # staff -----------------------------------------------------------------------------------

    def _seed_teams(self) -> dict[str, Team]:
        teams = {}
        for slug, name, is_triage, topic_slugs in TEAMS:
            team = Team.objects.filter(is_triage=True).first() if is_triage else None
            if team is None:
                team, _ = Team.objects.get_or_create(
                    slug=slug, defaults={"name": name, "is_triage": is_triage}
                )
            team.topics.set(Topic.objects.filter(slug__in=topic_slugs))
            teams[slug] = team
        self.team_for_root: dict[int, int] = {}
        for slug, _, _, topic_slugs in TEAMS:  # first team listed wins, as in team_for_topic
            for topic_slug in topic_slugs:
                root = self.topics[topic_slug].pk
                self.team_for_root.setdefault(root, teams[slug].pk)
        self.triage_team_pk = teams[TRIAGE].pk
        self.team_names = {team.pk: team.name for team in teams.values()}
        return teams

    def _seed_staff(self) -> list[DeskAdviser]:
        groups = {
            g.name: g for g in Group.objects.filter(name__in=[ADVISERS_GROUP, MANAGERS_GROUP])
        }
        if len(groups) != 2:
            raise CommandError("The Advisers and Managers groups are missing: run migrate first.")
        teams = self._seed_teams()
        password = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 is slow on purpose
        today = timezone.localdate()
        advisers = []
        for spec in STAFF:
            user = self._seed_user(spec, password)
            user.groups.add(groups[MANAGERS_GROUP if spec.manager else ADVISERS_GROUP])
            adviser, created = Adviser.objects.get_or_create(
                user=user, defaults={"capacity": spec.capacity}
            )
            team_pks = tuple(sorted(teams[slug].pk for slug in spec.teams))
            topic_pks = frozenset(self.topics[slug].pk for slug in spec.topics)
            region_pks = frozenset(self.region_by_slug[slug] for slug in spec.regions)
            area_pks = frozenset(self.area_by_slug[slug].pk for slug in spec.local_authorities)
            adviser.teams.set(team_pks)
            adviser.topics.set(topic_pks)
            adviser.regions.set(region_pks)
            adviser.local_authorities.set(area_pks)
            if created:
                Absence.objects.bulk_create(
                    Absence(
                        adviser=adviser,
                        starts_on=today + timedelta(days=start),
                        ends_on=today + timedelta(days=end),
                        note=note,
                    )
                    for username, start, end, note in ABSENCES
                    if username == spec.username
                )
            absences = tuple(adviser.absences.values_list("starts_on", "ends_on"))
            advisers.append(
                DeskAdviser(
                    adviser.pk,
                    user.pk,
                    user.username,
                    user.get_full_name(),
                    adviser.capacity,
                    topic_pks,
                    region_pks,
                    area_pks,
                    team_pks,
                    absences,
                )
            )
        return advisers

    def _seed_user(self, spec: StaffSpec, password: str) -> User:
        demo_manager = spec.username == DEMO_MANAGER
        user, created = get_user_model().objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@desk.example.org",
                "password": password,
                # The demo manager also looks after reference data in /admin/.
                "is_staff": demo_manager,
                "is_superuser": demo_manager,
            },
        )
        if not created and not user.has_usable_password():
            user.password = password
            user.save(update_fields=["password"])
        return user

    # organisations and contacts --------------------------------------------------------------

    def _place(self) -> str:
        rng = self.rng
        return rng.choice(PLACE_PREFIXES) + rng.choice(PLACE_STARTS) + rng.choice(PLACE_ENDS)

    def _person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(SURNAMES)

    def _seed_parties(self, count: int) -> list[Party]:
        """Organisations of every enquirer type across the areas, and their contacts."""
        rng = self.rng
        org_types = Picker(ORG_TYPE_WEIGHTS)
        start = self.now - timedelta(days=365 * YEARS + 30)
        organisations, places = [], []
        for _ in range(count):
            org_type = org_types.pick(rng)
            area = None if rng.random() < 0.04 else rng.choice(self.areas)
            place = self._place()
            name = " ".join(self._person())
            if org_type != EnquirerType.INDIVIDUAL:
                name = rng.choice(ORG_NAMES[org_type]).format(
                    place=place, surname=self._person()[1], area=area.name if area else place
                )
            organisations.append(
                Organisation(
                    name=name,
                    org_type=org_type,
                    local_authority_id=area.pk if area else None,
                    created_at=start + timedelta(days=rng.uniform(0, 30)),
                )
            )
            places.append((area, place))
        Organisation.objects.bulk_create(organisations, batch_size=self.batch_size)
        parties = []
        contacts = [
            self._contact(organisation, first)
            for organisation in organisations
            for first in self._contact_names(organisation)
        ]
        Contact.objects.bulk_create(contacts, batch_size=self.batch_size)
        where = {o.pk: p for o, p in zip(organisations, places, strict=True)}
        by_pk: dict[int | None, Organisation] = {o.pk: o for o in organisations}
        for contact in contacts:
            organisation = by_pk[contact.organisation_id]
            area, place = where[organisation.pk]
            parties.append(
                Party(
                    contact.pk,
                    organisation.pk,
                    organisation.org_type,
                    organisation.name,
                    area,
                    place,
                    contact.name,
                )
            )
        self.stats.update(organisations=len(organisations), contacts=len(contacts))
        return parties

    def _contact_names(self, organisation: Organisation) -> list[str]:
        """An individual writes for themselves; a group has one or two contacts."""
        if organisation.org_type == EnquirerType.INDIVIDUAL:
            return [organisation.name]
        return [" ".join(self._person()) for _ in range(1 + (self.rng.random() < 0.45))]

    def _contact(self, organisation: Organisation, name: str) -> Contact:
        rng, created = self.rng, organisation.created_at
        local = name.lower().replace(" ", ".").replace("'", "")
        domain = rng.choice(["example.org", "example.com", "example.net"])
        phone = rng.choice(["", "", "07700 900{:03d}", "01632 960{:03d}"]).format(
            rng.randrange(1000)
        )
        return Contact(
            name=name,
            email=f"{local}{rng.randrange(100)}@{domain}",
            phone=phone,
            organisation=organisation,
            accessibility_needs=rng.choice(ACCESS_NEEDS) if rng.random() < 0.03 else "",
            consent_to_store=True,
            consent_recorded_at=created,
            created_at=created,
        )

    # enquiries -------------------------------------------------------------------------------

    def _received_times(self, total: int) -> list[datetime]:
        """Times of receipt over three years: busier lately, mostly weekdays, office hours."""
        rng, tz = self.rng, self.tz
        first_day = timezone.localdate(self.now) - timedelta(days=365 * YEARS)
        span = 365 * YEARS
        latest = self.now - timedelta(minutes=5)
        times: list[datetime] = []
        while len(times) < total:
            # Demand grows by about 40% over the period: density 1 + 0.4x on [0, 1].
            x = (math.sqrt(1 + 0.96 * rng.random()) - 1) / 0.4
            day = first_day + timedelta(days=int(x * span))
            if day.weekday() >= 5 and rng.random() < 0.7:
                day += timedelta(days=7 - day.weekday())  # most weekend mail is read on Monday
            hours = rng.triangular(7.5, 21.0, 10.5)
            at = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(hours=hours)
            if at <= latest:
                times.append(at)
        times.sort()
        return times

    def _reserve_numbers(self, times: list[datetime]) -> dict[int, int]:
        """Lock each year's counter and return the last number already used per year."""
        years = sorted({at.year for at in times})
        ReferenceCounter.objects.bulk_create(
            [ReferenceCounter(year=year, last_value=0) for year in years], ignore_conflicts=True
        )
        counters = dict(
            ReferenceCounter.objects.select_for_update()
            .filter(year__in=years)
            .values_list("year", "last_value")
        )
        for year in years:  # never collide with a reference issued without the counter
            counters[year] = max(counters[year], reference_last_issued(year))
            highest = Enquiry.objects.filter(reference__startswith=f"CR-{year}-").aggregate(
                m=Max("reference")
            )["m"]
            if highest and (match := REFERENCE_RE.match(highest)):
                counters[year] = max(counters[year], int(match["number"]))
        return counters

    def _seed_enquiries(self, total: int, parties: list[Party]) -> None:
        if not total:
            return
        times = self._received_times(total)
        last_number = self._reserve_numbers(times)
        for start in range(0, total, self.batch_size):
            drafts = []
            for at in times[start : start + self.batch_size]:
                last_number[at.year] += 1
                reference = format_reference(at.year, last_number[at.year])
                drafts.append(self._draft(reference, at, self.rng.choice(parties)))
            self._write(drafts)
            self.progress(min(start + self.batch_size, total), start, total)
        for year, value in last_number.items():
            reference_numbers_used(year=year, last_number=value)

    def _write(self, drafts: list[Draft]) -> None:
        Enquiry.objects.bulk_create([d.enquiry for d in drafts], batch_size=self.batch_size)
        Assignment.objects.bulk_create(
            [Assignment(enquiry_id=d.enquiry.pk, **d.assignment) for d in drafts],
            batch_size=self.batch_size,
        )
        # bulk_create sends no save signal: the teams may have moved the report rollups.
        rollups_services.days_dirty(days={local_day(d.enquiry.received_at) for d in drafts})
        EnquiryEvent.objects.bulk_create(
            [
                EnquiryEvent(enquiry_id=d.enquiry.pk, kind=k, actor_id=a, data=data, created_at=t)
                for d in drafts
                for k, a, data, t in d.events
            ],
            batch_size=self.batch_size,
        )
