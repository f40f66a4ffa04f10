"""Shared fixtures and personas (environment defaults for tests: tests/settings.py)."""

import os
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

pytest_plugins = ["tests.smtp", "tests.imap", "tests.replica"]

# An ordinary working day in the desk's time zone (settings.TIME_ZONE): a Wednesday in the
# middle of a month, weeks from any bank holiday of England and Wales (Late Summer, 31
# August; Christmas, 25 December), after the worked example's deadlines (notice on 2
# March 2026: 12 April and 1 September 2026) and before the protected period ends (1
# September 2027).
WORKING_DAY = datetime(2026, 10, 14, 10, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def working_day(time_machine):
    """Start the clock at 10:00 on ``WORKING_DAY``, for tests whose outcome would otherwise
    depend on the day the suite runs (working days, bank holidays, weekends, deadlines
    that have or have not passed). Time runs on from there, so stamps still follow one
    another; the day does not change. Ask for it before anything that stamps the time
    (``pytest.mark.usefixtures("working_day")``), so that records are made on that day."""
    time_machine.move_to(WORKING_DAY, tick=True)
    return WORKING_DAY


@pytest.fixture(autouse=True)
def _forget_reference_sequences(request, django_db_blocker):
    """PostgreSQL numbers references with a sequence per year, created on first use. In a
    test inside a transaction it is rolled back with the test; one that commits (a
    transactional test) would leave it behind for the next test, which a flush does not
    reset, so such tests drop them afterwards."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if not transactional:
        return
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() "
                "AND sequencename LIKE 'enquiries\\_reference\\_%%'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP SEQUENCE IF EXISTS "{name}"')


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # A new cache per test: id(tmp_path) was reused once the object was freed, so a
            # later test met an earlier one's held-data versions (team remits naming a
            # team its rolled-back transaction never had).
            "LOCATION": f"tests-{os.getpid()}-{uuid.uuid4().hex}",
        }
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def topics(db):
    from knowledgebase.models import Topic

    return {t.slug: t for t in Topic.objects.all()}


@pytest.fixture
def areas(db):
    from knowledgebase.models import LocalAuthority

    return {a.slug: a for a in LocalAuthority.objects.select_related("region")}


@pytest.fixture
def teams(db, topics):
    from tests.factories import TeamFactory

    return {
        "assets": TeamFactory(
            name="Assets and Right to Bid",
            topics=[topics["right-to-bid"], topics["asset-transfer"]],
        ),
        "planning": TeamFactory(
            name="Neighbourhood planning", topics=[topics["neighbourhood-planning"]]
        ),
        "triage": TeamFactory(name="Triage", is_triage=True),
    }


@pytest.fixture
def adviser(db, teams, topics, areas):
    """Ada: Right to Bid adviser covering West Lindsey, in the assets team."""
    from tests.factories import AdviserFactory

    return AdviserFactory(
        first_name="Ada",
        teams=[teams["assets"]],
        topics=[topics["right-to-bid"]],
        local_authorities=[areas["west-lindsey"]],
    )


@pytest.fixture
def other_adviser(db, teams, topics):
    """Omar: neighbourhood planning adviser, in another team."""
    from tests.factories import AdviserFactory

    return AdviserFactory(
        first_name="Omar", teams=[teams["planning"]], topics=[topics["neighbourhood-planning"]]
    )


@pytest.fixture
def manager(db, teams):
    from tests.factories import AdviserFactory

    return AdviserFactory(first_name="Mina", manager=True, teams=[teams["triage"]], capacity=5)


@pytest.fixture
def outsider(db):
    """A signed-in user with no desk role (e.g. an admin-only account)."""
    from tests.factories import UserFactory

    return UserFactory(username="outsider")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def enquiry_data(areas):
    """A valid public submission, as the form and the API take it."""
    return {
        "organisation_name": "Friends of the Red Lion",
        "organisation_type": "community_group",
        "contact_name": "Sam Green",
        "email": "sam@example.org",
        "phone": "01234 567890",
        "postcode": "ln1 1aa",
        "local_authority": "west-lindsey",
        "topic": "acv-notice-of-sale",
        "subject": "Our pub is up for sale",
        "message": "The Red Lion is listed and the owner has given notice. What do we do?",
        "asset_name": "The Red Lion",
        "asset_address": "1 High Street, Market Rasen",
        "accessibility_needs": "",
        "consent_to_store": True,
    }


@pytest.fixture
def submit(enquiry_data, topics, areas):
    """Submit an enquiry through the intake service, as the public form would.

    Keyword overrides use slugs for ``topic`` and ``local_authority``; ``channel``
    defaults to the web form.
    """
    from enquiries.intake.services import EnquiryInput, enquiry_submit
    from enquiries.models import Channel

    def _submit(channel=Channel.WEB, **overrides):
        values = {**enquiry_data, **overrides}
        topic, area = values.pop("topic"), values.pop("local_authority")
        data = EnquiryInput(
            **values,
            topic=topics[topic] if topic else None,
            local_authority=areas[area] if area else None,
        )
        return enquiry_submit(data=data, channel=channel).enquiry

    return _submit
