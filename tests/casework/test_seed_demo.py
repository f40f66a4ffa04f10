"""seed_demo and demo_logins: a realistic desk whose references carry on into live intake.

The demo desk is built back from today (weekends moved to Monday, office hours, three
years of references), so each test seeds it on the same ordinary working day
(``working_day``): the same seed then makes the same desk whenever the suite runs.
"""

import re
from collections import defaultdict
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import HttpRequest
from django.utils import timezone

from casework.demo.data import (
    DEMO_ADVISER,
    DEMO_MANAGER,
    DEMO_PASSWORD,
    STAFF,
)
from casework.models import Absence, Adviser, Assignment, Team
from casework.policies import ADVISERS_GROUP, MANAGERS_GROUP
from enquiries.intake.services import EnquiryInput, enquiry_submit
from enquiries.models import (
    Channel,
    Contact,
    Enquiry,
    EnquiryEvent,
    Organisation,
    ReferenceCounter,
    Status,
)
from enquiries.references import REFERENCE_RE, format_reference

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_day")]

N = 300


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **{"enquiries": N, "seed": 7, **options})
    return out.getvalue()


@pytest.fixture
def seeded(db) -> str:
    return seed()


def numbers_by_year() -> dict[int, list[int]]:
    """Reference numbers per year, in order of receipt."""
    numbers = defaultdict(list)
    for reference in Enquiry.objects.order_by("received_at", "pk").values_list(
        "reference", flat=True
    ):
        match = REFERENCE_RE.match(reference)
        numbers[int(match["year"])].append(int(match["number"]))
    return numbers


def test_seed_builds_a_staffed_desk_with_n_enquiries(seeded):
    assert Enquiry.objects.count() == N
    assert EnquiryEvent.objects.filter(kind=EnquiryEvent.Kind.RECEIVED).count() == N
    assert Assignment.objects.filter(is_current=True).count() == N
    assert Adviser.objects.count() == len(STAFF) >= 12
    assert Team.objects.count() == 4
    assert Team.objects.filter(is_triage=True).count() == 1
    users = get_user_model().objects
    assert 1 <= users.filter(groups__name=MANAGERS_GROUP).count() <= 2
    assert users.filter(groups__name=ADVISERS_GROUP).count() == len(STAFF) - 2
    assert Absence.objects.exists()
    assert Organisation.objects.count() >= 40
    assert Contact.objects.count() >= Organisation.objects.count()
    assert f"{N:,} enquiries" in seeded


def test_references_are_valid_unique_and_numbered_per_year_of_receipt(seeded):
    rows = list(Enquiry.objects.values_list("reference", "received_at"))
    assert len({reference for reference, _ in rows}) == N
    for reference, received_at in rows:
        match = REFERENCE_RE.match(reference)
        assert match, reference
        assert int(match["year"]) == timezone.localtime(received_at).year
    for numbers in numbers_by_year().values():
        assert numbers == list(range(1, len(numbers) + 1))


def test_counters_are_left_at_the_last_number_used_each_year(seeded):
    counters = dict(ReferenceCounter.objects.values_list("year", "last_value"))
    assert counters == {year: max(numbers) for year, numbers in numbers_by_year().items()}


def test_next_live_submission_continues_the_sequence(seeded, areas, topics):
    year = timezone.localdate().year
    last = ReferenceCounter.objects.filter(year=year).values_list("last_value", flat=True)
    expected = format_reference(year, (last.first() or 0) + 1)
    data = EnquiryInput(
        organisation_name="Friends of the Red Lion",
        organisation_type="community_group",
        contact_name="Sam Green",
        email="sam@example.org",
        subject="Our pub is up for sale",
        message="The owner has given notice. What do we do?",
        consent_to_store=True,
        local_authority=areas["west-lindsey"],
        topic=topics["acv-notice-of-sale"],
    )

    submitted = enquiry_submit(data=data, channel=Channel.WEB)

    assert submitted.enquiry.reference == expected
    # The seeded desk routes it like any live enquiry: to someone who knows the topic.
    adviser = Adviser.objects.get(user=submitted.enquiry.assigned_to)
    assert adviser.topics.filter(slug="right-to-bid").exists()


def test_every_assigned_enquiry_is_held_by_an_adviser_with_expertise(seeded):
    expertise = {
        adviser.user_id: {topic.pk for topic in adviser.topics.all()}
        for adviser in Adviser.objects.prefetch_related("topics")
    }
    assigned = Enquiry.objects.filter(assigned_to__isnull=False, topic__isnull=False)
    assert assigned.exists()
    for enquiry in assigned.select_related("topic"):
        assert enquiry.topic.root_id in expertise[enquiry.assigned_to_id], enquiry.reference


def test_current_assignment_agrees_with_the_enquiry(seeded):
    for assignment in Assignment.objects.select_related("enquiry", "adviser", "team"):
        enquiry = assignment.enquiry
        assert assignment.is_current and assignment.team is not None and assignment.reason
        if assignment.adviser is None:
            assert assignment.method == Assignment.Method.QUEUED
            assert enquiry.assigned_to_id is None and enquiry.status == Status.RECEIVED
        else:
            assert assignment.method in {Assignment.Method.ROUTED, Assignment.Method.CLAIMED}
            assert enquiry.assigned_to_id == assignment.adviser.user_id
            assert enquiry.status != Status.RECEIVED


def test_closed_enquiries_have_closed_at_and_timelines_run_forwards(seeded):
    now = timezone.now()
    assert Enquiry.objects.filter(status=Status.CLOSED).count() > N // 2
    assert not Enquiry.objects.filter(status=Status.CLOSED, closed_at__isnull=True).exists()
    assert not Enquiry.objects.exclude(status=Status.CLOSED).filter(closed_at__isnull=False)
    for enquiry in Enquiry.objects.all():
        times = [enquiry.received_at, enquiry.first_response_at, enquiry.closed_at]
        present = [t for t in times if t is not None]
        assert present == sorted(present) and present[-1] <= now, enquiry.reference


def test_if_empty_does_nothing_when_enquiries_exist(seeded):
    output = seed(if_empty=True)

    assert Enquiry.objects.count() == N
    assert "already" in output


def test_if_empty_seeds_an_empty_desk(db):
    seed(if_empty=True, enquiries=40)

    assert Enquiry.objects.count() == 40


def test_seeding_again_adds_enquiries_without_colliding(seeded):
    seed(enquiries=100, seed=8)

    assert Enquiry.objects.count() == N + 100
    assert Enquiry.objects.values("reference").distinct().count() == N + 100
    assert Adviser.objects.count() == len(STAFF)
    counters = dict(ReferenceCounter.objects.values_list("year", "last_value"))
    assert counters == {year: max(numbers) for year, numbers in numbers_by_year().items()}


def test_demo_logins_prints_logins_and_a_tracking_link_that_opens(seeded, client):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()

    for expected in (DEMO_ADVISER, DEMO_MANAGER, DEMO_PASSWORD, "/desk/", "/enquire/"):
        assert expected in text
    assert "/api/v1/docs/" in text and "/admin/" in text
    link = re.search(r"https?://[^/\s]+(/track/[\w-]+/)\s+\((CR-\d{4}-\d{6})\)", text)
    assert link, text
    response = client.get(link[1], follow=True)
    assert response.status_code == 200
    assert link[2] in response.content.decode()


def test_demo_staff_can_sign_in_and_the_manager_can_use_the_admin(seeded, client):
    assert client.login(request=HttpRequest(), username=DEMO_ADVISER, password=DEMO_PASSWORD)
    assert client.get("/desk/").status_code == 200
    assert client.get("/admin/").status_code == 302  # an adviser is not admin staff

    assert client.login(request=HttpRequest(), username=DEMO_MANAGER, password=DEMO_PASSWORD)
    assert client.get("/desk/?queue=all").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_demo_logins_before_seeding_says_what_to_run(db):
    out = StringIO()
    call_command("demo_logins", stdout=out)

    assert "seed_demo" in out.getvalue()
