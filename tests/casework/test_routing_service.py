"""Routing through intake: every new enquiry is assigned, or queued, with the reason recorded."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from casework.enquiry import services as enquiry_services
from casework.models import Absence, Assignment
from casework.queue import selectors as queue_selectors
from casework.queue import services as queue_services
from enquiries.intake.services import EnquiryInput
from enquiries.models import Channel, EnquiryEvent, Status
from enquiries.services import enquiry_change_status
from tests.factories import AdviserFactory, UserFactory

pytestmark = pytest.mark.django_db


def current(enquiry) -> Assignment:
    return Assignment.objects.select_related("adviser__user", "team").get(
        enquiry=enquiry, is_current=True
    )


def expert(name, topics, **kwargs):
    return AdviserFactory(first_name=name, topics=[topics["right-to-bid"]], **kwargs)


def give(adviser, submit, count):
    """Hand ``count`` open enquiries to ``adviser`` (by a manager, so routing is not involved)."""
    boss = AdviserFactory(first_name=f"Boss{adviser.pk}{count}", manager=True)
    for _ in range(count):
        enquiry = submit(topic=None)
        queue_services.enquiry_assign(enquiry=enquiry, adviser=adviser, actor=boss.user)


# --- who it goes to --------------------------------------------------------------------------


def test_enquiry_goes_to_the_expert_covering_its_area_and_the_reason_is_stored(
    submit, adviser, topics
):
    expert("Bea", topics)  # an expert too, not covering the area, equally loaded
    enquiry = submit()
    assert enquiry.assigned_to == adviser.user
    assert enquiry.status == Status.IN_PROGRESS
    assignment = current(enquiry)
    assert assignment.adviser == adviser
    assert assignment.method == Assignment.Method.ROUTED
    assert assignment.assigned_by is None  # the desk itself
    assert assignment.created_at is not None
    assert assignment.team.name == "Assets and Right to Bid"
    assert assignment.reason.startswith(f"Routed to {adviser.name}: has expertise in Right to Bid")
    assert "Decided by area" in assignment.reason
    event = EnquiryEvent.objects.get(enquiry=enquiry, kind=EnquiryEvent.Kind.ASSIGNED)
    assert event.actor is None and event.data == {"assignee": adviser.user.username}


def test_covering_the_region_counts_as_covering_the_area(submit, topics, areas):
    regional = expert("Reg", topics, regions=[areas["west-lindsey"].region])
    expert("Bea", topics)
    enquiry = submit()
    assert enquiry.assigned_to == regional.user
    assert "covers West Lindsey" in current(enquiry).reason


def test_expertise_in_a_top_level_topic_covers_its_sub_topics(submit, adviser):
    enquiry = submit(topic="acv-full-moratorium")
    assert enquiry.assigned_to == adviser.user


def test_expertise_in_a_sub_topic_does_not_cover_the_whole_topic(submit, topics, teams):
    AdviserFactory(first_name="Sub", topics=[topics["acv-nomination"]])
    enquiry = submit(topic="right-to-bid")
    assert enquiry.assigned_to is None
    assert current(enquiry).team == teams["assets"]


def test_lowest_load_relative_to_capacity_wins_when_nobody_covers_the_area(submit, topics):
    busy = expert("Busy", topics, capacity=10)
    light = expert("Light", topics, capacity=40)
    give(busy, submit, 2)  # 20%
    give(light, submit, 4)  # 10%
    enquiry = submit(local_authority="cornwall")
    assert enquiry.assigned_to == light.user
    assert "Decided by load" in current(enquiry).reason


def test_an_adviser_who_is_away_today_is_passed_by(submit, adviser, topics):
    stand_in = expert("Stand", topics)
    today = timezone.localdate()
    Absence.objects.create(adviser=adviser, starts_on=today, ends_on=today + timedelta(days=3))
    enquiry = submit()
    assert enquiry.assigned_to == stand_in.user


def test_an_absence_that_has_ended_does_not_count(submit, adviser):
    yesterday = timezone.localdate() - timedelta(days=1)
    Absence.objects.create(adviser=adviser, starts_on=yesterday, ends_on=yesterday)
    assert submit().assigned_to == adviser.user


def test_an_adviser_at_capacity_gets_no_more(submit, adviser, topics):
    adviser.capacity = 2
    adviser.save(update_fields=["capacity"])
    give(adviser, submit, 2)
    other = expert("Other", topics)
    assert submit().assigned_to == other.user


def test_closed_enquiries_do_not_count_towards_load(submit, adviser):
    adviser.capacity = 1
    adviser.save(update_fields=["capacity"])
    first = submit()
    assert first.assigned_to == adviser.user
    enquiry_change_status(enquiry=first, status=Status.CLOSED, actor=adviser.user)
    assert submit().assigned_to == adviser.user


def test_a_tie_goes_to_the_adviser_assigned_least_recently(submit, topics, areas):
    ann = expert("Ann", topics, local_authorities=[areas["west-lindsey"]])
    bob = expert("Bob", topics, local_authorities=[areas["west-lindsey"]])
    first = submit()
    assert first.assigned_to == ann.user  # neither assigned before: registered first
    enquiry_change_status(enquiry=first, status=Status.CLOSED, actor=ann.user)
    second = submit()  # equal loads again; Ann was assigned more recently
    assert second.assigned_to == bob.user
    assert "assigned least recently" in current(second).reason


def test_inactive_advisers_are_not_considered(submit, adviser):
    adviser.is_active = False
    adviser.save(update_fields=["is_active"])
    assert submit().assigned_to is None


# --- when nobody fits ------------------------------------------------------------------------


def test_nobody_available_puts_it_in_the_team_queue_for_the_topic(submit, adviser, teams):
    Absence.objects.create(
        adviser=adviser, starts_on=timezone.localdate(), ends_on=timezone.localdate()
    )
    enquiry = submit()
    assert enquiry.assigned_to is None
    assert enquiry.status == Status.RECEIVED
    assignment = current(enquiry)
    assert assignment.adviser is None
    assert assignment.team == teams["assets"]
    assert assignment.method == Assignment.Method.QUEUED
    assert "waits in the Assets and Right to Bid queue" in assignment.reason
    team_queue = queue_selectors.enquiry_list(user=adviser.user, queue=queue_selectors.Queue.TEAM)
    assert list(team_queue) == [enquiry]


def test_no_topic_goes_to_the_triage_team(submit, adviser, teams):
    enquiry = submit(topic=None)
    assert enquiry.assigned_to is None
    assignment = current(enquiry)
    assert assignment.team == teams["triage"]
    assert "No topic was given" in assignment.reason


def test_a_topic_no_team_covers_goes_to_triage_when_nobody_has_expertise(submit, teams, adviser):
    enquiry = submit(topic="funding-capital")
    assert enquiry.assigned_to is None
    assert current(enquiry).team == teams["triage"]


def test_routing_failure_keeps_the_enquiry_unassigned(submit, adviser, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("routing is down")

    monkeypatch.setattr(queue_selectors, "routing_candidates", broken)
    enquiry = submit()
    assert enquiry.pk is not None and enquiry.assigned_to is None
    assert not Assignment.objects.filter(enquiry=enquiry).exists()


# --- claim, reassign, status -----------------------------------------------------------------


def test_adviser_claims_an_unassigned_enquiry_from_the_team_queue(submit, adviser, topics):
    Absence.objects.create(
        adviser=adviser, starts_on=timezone.localdate(), ends_on=timezone.localdate()
    )
    enquiry = submit()
    assignment = queue_services.enquiry_claim(enquiry=enquiry, actor=adviser.user)
    assert assignment.method == Assignment.Method.CLAIMED
    assert assignment.assigned_by == adviser.user
    enquiry.refresh_from_db()
    assert enquiry.assigned_to == adviser.user
    assert Assignment.objects.filter(enquiry=enquiry).count() == 2
    assert Assignment.objects.filter(enquiry=enquiry, is_current=True).count() == 1


def test_second_claim_is_refused_with_a_clear_message(submit, adviser, topics, teams):
    colleague = AdviserFactory(first_name="Col", teams=[teams["assets"]])
    enquiry = submit(topic="asset-transfer")  # nobody has expertise: team queue
    queue_services.enquiry_claim(enquiry=enquiry, actor=adviser.user)
    with pytest.raises(queue_services.AlreadyAssigned, match=f"{adviser.user.get_full_name()} has"):
        queue_services.enquiry_claim(enquiry=enquiry, actor=colleague.user)
    with pytest.raises(queue_services.AlreadyAssigned, match="You already hold"):
        queue_services.enquiry_claim(enquiry=enquiry, actor=adviser.user)


def test_a_closed_enquiry_cannot_be_claimed(submit, adviser, manager):
    enquiry = submit(topic="asset-transfer")
    enquiry_change_status(enquiry=enquiry, status=Status.CLOSED, actor=manager.user)
    with pytest.raises(PermissionDenied):
        queue_services.enquiry_claim(enquiry=enquiry, actor=adviser.user)


def test_someone_without_an_adviser_profile_cannot_claim(submit, adviser):
    enquiry = submit(topic="asset-transfer")
    with pytest.raises(PermissionDenied):
        queue_services.enquiry_claim(enquiry=enquiry, actor=UserFactory(username="nobody"))


def test_manager_reassigns_with_a_reason_and_back_to_the_queue(submit, adviser, other_adviser):
    boss = AdviserFactory(first_name="Boss", manager=True)
    enquiry = submit()
    queue_services.enquiry_assign(
        enquiry=enquiry, adviser=other_adviser, actor=boss.user, reason="Ada is on leave"
    )
    enquiry.refresh_from_db()
    assert enquiry.assigned_to == other_adviser.user
    assignment = current(enquiry)
    assert assignment.method == Assignment.Method.REASSIGNED
    assert assignment.assigned_by == boss.user
    assert assignment.reason == (
        f"Reassigned to {other_adviser.name} by {boss.name}. Reason: Ada is on leave"
    )
    queue_services.enquiry_assign(enquiry=enquiry, adviser=None, actor=boss.user)
    enquiry.refresh_from_db()
    assert enquiry.assigned_to is None
    assert (
        current(enquiry).reason
        == f"Reassigned to the Assets and Right to Bid queue by {boss.name}."
    )
    kinds = list(
        EnquiryEvent.objects.filter(enquiry=enquiry).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds[-1] == EnquiryEvent.Kind.UNASSIGNED


def test_an_adviser_cannot_reassign(submit, adviser, other_adviser):
    enquiry = submit()
    with pytest.raises(PermissionDenied):
        queue_services.enquiry_assign(enquiry=enquiry, adviser=other_adviser, actor=adviser.user)


def test_status_change_records_who_and_when(submit, adviser):
    enquiry = submit()
    enquiry_services.enquiry_set_status(enquiry=enquiry, status=Status.ANSWERED, actor=adviser.user)
    event = EnquiryEvent.objects.get(enquiry=enquiry, kind=EnquiryEvent.Kind.STATUS_CHANGED)
    assert event.actor == adviser.user
    assert event.data == {"from": Status.IN_PROGRESS, "to": Status.ANSWERED}
    assert event.created_at is not None


def test_status_permission_is_checked_against_the_current_holder(submit, adviser, other_adviser):
    boss = AdviserFactory(first_name="Boss", manager=True)
    enquiry = submit()  # read while Ada held it
    queue_services.enquiry_assign(enquiry=enquiry, adviser=other_adviser, actor=boss.user)
    with pytest.raises(PermissionDenied):
        enquiry_services.enquiry_set_status(
            enquiry=enquiry, status=Status.CLOSED, actor=adviser.user
        )


# --- logging by hand -------------------------------------------------------------------------


@pytest.fixture
def logged_input(enquiry_data, topics, areas):
    values = {**enquiry_data}
    values["topic"] = topics["neighbourhood-planning"]
    values["local_authority"] = areas["west-lindsey"]
    return EnquiryInput(**values)


def test_an_adviser_who_keeps_a_logged_enquiry_gets_it_without_routing(
    logged_input, adviser, other_adviser
):
    submitted = enquiry_services.enquiry_log(
        data=logged_input, channel=Channel.PHONE, actor=adviser.user, keep=True
    )
    enquiry = submitted.enquiry
    assert enquiry.assigned_to == adviser.user  # returned fresh, not as routing left it
    assert enquiry.channel == Channel.PHONE and enquiry.logged_by == adviser.user
    (assignment,) = Assignment.objects.filter(enquiry=enquiry)
    assert assignment.method == Assignment.Method.CLAIMED
    assert assignment.reason == f"Logged by {adviser.name} (phone), who kept it in their own queue."
    # Omar, the planning expert, was not "assigned" in passing.
    assert not Assignment.objects.filter(adviser=other_adviser).exists()


def test_a_logged_enquiry_not_kept_is_routed(logged_input, adviser, other_adviser):
    submitted = enquiry_services.enquiry_log(
        data=logged_input, channel=Channel.LETTER, actor=adviser.user, keep=False
    )
    assert submitted.enquiry.assigned_to == other_adviser.user
    assert current(submitted.enquiry).method == Assignment.Method.ROUTED


def test_staff_without_an_adviser_profile_cannot_keep_so_it_is_routed(logged_input, other_adviser):
    from django.contrib.auth.models import Group

    clerk = UserFactory(username="clerk")
    clerk.groups.add(Group.objects.get(name="Advisers"))
    submitted = enquiry_services.enquiry_log(
        data=logged_input, channel=Channel.WALK_IN, actor=clerk, keep=True
    )
    assert submitted.enquiry.assigned_to == other_adviser.user


def test_only_desk_staff_can_log(logged_input, outsider):
    with pytest.raises(PermissionDenied):
        enquiry_services.enquiry_log(data=logged_input, channel=Channel.PHONE, actor=outsider)
