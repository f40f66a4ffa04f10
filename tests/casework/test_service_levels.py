"""Service levels: due dates at intake, pauses, first response and resolution, the queue's
"at risk" / "breached" filters and words, and the managers' page of targets.

Dates in August and September 2026 cross the Late Summer bank holiday (Monday 31 August).
The rest count working days from today, so today is an ordinary working day (``working_day``):
on a bank holiday the demo desk has nothing due in the at-risk window.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import TimeEntry
from casework.workspace import services as services_workspace
from enquiries import service_levels
from enquiries.conversation.services import message_publish
from enquiries.intake.services import EnquiryInput, enquiry_submit
from enquiries.models import Enquiry, EnquiryEvent, Status
from enquiries.services import enquiry_change_status, enquiry_mark_first_response
from knowledgebase.models import ServiceLevelTarget
from knowledgebase.selectors import service_level_for
from knowledgebase.working_days import add_working_days
from tests.casework.test_desk_views import messages_of, unlabelled_controls
from tests.factories import EnquiryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_day")]

LONDON = ZoneInfo("Europe/London")
QUEUE = reverse("casework:queue")
PAGE = reverse("casework:service_levels")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


@pytest.fixture
def clock(time_machine):
    """Set the clock to a local date and hour, and stop it there."""

    def _set(day: date, hour: int = 10) -> None:
        time_machine.move_to(at(day, hour), tick=False)

    return _set


@pytest.fixture
def receive(enquiry_data, topics, areas):
    """An enquiry received on ``day`` about ``topic`` (a slug, or None for "not sure")."""

    def _receive(day: date, topic: str | None = "neighbourhood-planning", hour=10) -> Enquiry:
        values = {**enquiry_data}
        values.pop("topic"), values.pop("local_authority")
        data = EnquiryInput(
            **values, topic=topics[topic] if topic else None, local_authority=areas["west-lindsey"]
        )
        return enquiry_submit(data=data, channel="web", received_at=at(day, hour)).enquiry

    return _receive


# --- which target applies ----------------------------------------------------------------------


def test_a_topic_with_its_own_target_uses_it(topics, django_assert_num_queries):
    with django_assert_num_queries(1):
        target = service_level_for(topic=topics["right-to-bid"])
    assert (target.first_response_days, target.resolution_days) == (1, 10)


def test_a_sub_topic_without_a_target_uses_its_parents(topics):
    target = service_level_for(topic=topics["acv-notice-of-sale"])
    assert target.topic == topics["right-to-bid"]


def test_a_sub_topic_with_its_own_target_uses_that_not_its_parents(topics):
    ServiceLevelTarget.objects.create(
        topic=topics["acv-notice-of-sale"], first_response_days=3, resolution_days=5
    )
    target = service_level_for(topic=topics["acv-notice-of-sale"])
    assert (target.first_response_days, target.resolution_days) == (3, 5)


@pytest.mark.parametrize("slug", ["neighbourhood-planning", "np-submission", None])
def test_other_topics_and_no_topic_use_the_default(topics, slug):
    target = service_level_for(topic=topics[slug] if slug else None)
    assert target.topic_id is None
    assert (target.first_response_days, target.resolution_days) == (2, 20)


# --- intake ------------------------------------------------------------------------------------


def test_intake_sets_due_dates_from_the_default_skipping_the_bank_holiday(receive):
    enquiry = receive(date(2026, 8, 27))  # Thursday; Monday 31 August is a bank holiday
    assert enquiry.first_response_due == date(2026, 9, 1)
    assert enquiry.resolution_due == date(2026, 9, 25)
    assert enquiry.sla_paused_since is None and enquiry.resolved_at is None


def test_intake_sets_due_dates_from_the_topics_parent(receive):
    enquiry = receive(date(2026, 8, 27), topic="acv-notice-of-sale")  # Right to Bid: 1 and 10
    assert enquiry.first_response_due == date(2026, 8, 28)
    assert enquiry.resolution_due == date(2026, 9, 11)


def test_intake_counts_from_the_local_date_received(receive):
    # 00:30 on Saturday 29 August in London is still Friday in UTC. Saturday: the clock
    # starts on Tuesday 1 September (Monday is a bank holiday), so it is due Thursday 3rd.
    enquiry = receive(date(2026, 8, 29), hour=0)
    assert enquiry.received_at.astimezone(ZoneInfo("UTC")).date() == date(2026, 8, 28)
    assert enquiry.first_response_due == date(2026, 9, 3)


# --- pause and resume --------------------------------------------------------------------------


def test_waiting_for_the_group_pauses_and_the_reply_moves_the_due_dates_past_the_holiday(
    receive, clock, adviser
):
    enquiry = receive(date(2026, 8, 25))  # Tuesday: due Thu 27 Aug and Wed 23 Sep
    assert (enquiry.first_response_due, enquiry.resolution_due) == (
        date(2026, 8, 27),
        date(2026, 9, 23),
    )
    clock(date(2026, 8, 26))
    paused = enquiry_change_status(
        enquiry=enquiry, status=Status.AWAITING_GROUP, actor=adviser.user
    )
    assert paused.sla_paused_since == at(date(2026, 8, 26))
    assert service_levels.sla_state(paused, date(2026, 8, 28)).state == service_levels.PAUSED

    clock(date(2026, 9, 1))  # the group replied: Thu 27, Fri 28 and Tue 1 were paused
    resumed = enquiry_change_status(enquiry=enquiry, status=Status.IN_PROGRESS, actor=None)
    assert resumed.sla_paused_since is None
    assert resumed.first_response_due == date(2026, 9, 2)
    assert resumed.resolution_due == date(2026, 9, 28)
    event = resumed.events.filter(kind=EnquiryEvent.Kind.STATUS_CHANGED).first()
    assert event.data == {"from": "awaiting_group", "to": "in_progress", "paused_working_days": 3}


def test_a_pause_after_the_first_response_moves_only_the_resolution_date(receive, clock, adviser):
    enquiry = receive(date(2026, 8, 25))
    enquiry_mark_first_response(enquiry=enquiry, at=at(date(2026, 8, 26)), actor=adviser.user)
    clock(date(2026, 8, 26))
    enquiry_change_status(enquiry=enquiry, status=Status.AWAITING_GROUP, actor=adviser.user)
    clock(date(2026, 8, 28))
    resumed = enquiry_change_status(enquiry=enquiry, status=Status.IN_PROGRESS, actor=None)
    assert resumed.first_response_due == date(2026, 8, 27)
    assert resumed.resolution_due == date(2026, 9, 25)  # two working days later


# --- first response ----------------------------------------------------------------------------


def test_the_first_desk_response_is_recorded_once_with_working_days_taken(receive, adviser):
    enquiry = receive(date(2026, 8, 27))
    assert enquiry_mark_first_response(
        enquiry=enquiry, at=at(date(2026, 9, 1), 15), actor=adviser.user
    )
    assert not enquiry_mark_first_response(
        enquiry=enquiry, at=at(date(2026, 9, 3)), actor=adviser.user
    )
    enquiry.refresh_from_db()
    assert enquiry.first_response_at == at(date(2026, 9, 1), 15)
    assert enquiry.first_response_working_days == 2  # Fri 28 Aug, Tue 1 Sep
    state = service_levels.sla_state(enquiry, date(2026, 9, 2))
    assert state.clock == service_levels.RESOLUTION


def test_working_days_to_first_response_leave_out_the_pause(receive, clock, adviser):
    enquiry = receive(date(2026, 8, 25))
    clock(date(2026, 8, 26))
    enquiry_change_status(enquiry=enquiry, status=Status.AWAITING_GROUP, actor=adviser.user)
    clock(date(2026, 9, 1))
    enquiry_change_status(enquiry=enquiry, status=Status.IN_PROGRESS, actor=None)
    enquiry_mark_first_response(enquiry=enquiry, at=at(date(2026, 9, 2)), actor=adviser.user)
    enquiry.refresh_from_db()
    # 26, 27, 28 Aug, 1 and 2 Sep = 5 working days, 3 of them paused.
    assert enquiry.first_response_working_days == 2


def test_publishing_a_message_to_the_group_is_the_first_response(mine, adviser):
    message_publish(enquiry=mine, body="We have read your notice.", actor=adviser.user)
    mine.refresh_from_db()
    assert mine.first_response_at is not None
    assert mine.first_response_working_days == 0


def test_a_call_logged_is_the_first_response_and_is_recorded(mine, adviser):
    services_workspace.time_record(
        enquiry=mine,
        minutes=20,
        activity=TimeEntry.Activity.CALL,
        spent_on=timezone.localdate(),
        actor=adviser.user,
    )
    mine.refresh_from_db()
    assert mine.first_response_at is not None
    assert mine.events.filter(kind=EnquiryEvent.Kind.CALL_LOGGED, actor=adviser.user).exists()


def test_time_on_research_is_not_a_response(mine, adviser):
    services_workspace.time_record(
        enquiry=mine,
        minutes=20,
        activity=TimeEntry.Activity.RESEARCH,
        spent_on=timezone.localdate(),
        actor=adviser.user,
    )
    mine.refresh_from_db()
    assert mine.first_response_at is None
    assert not mine.events.filter(kind=EnquiryEvent.Kind.CALL_LOGGED).exists()


def test_a_call_logged_on_the_desk_page_stops_the_first_response_clock(client, mine, adviser):
    client.force_login(adviser.user)
    response = client.post(
        reverse("casework:time_record", args=[mine.reference]),
        {
            "time-minutes": "15",
            "time-activity": "call",
            "time-spent_on": timezone.localdate().isoformat(),
            "time-note": "",
        },
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.first_response_at is not None


# --- resolution --------------------------------------------------------------------------------


def test_answering_resolves_it_with_working_days_less_pauses(receive, clock, adviser):
    enquiry = receive(date(2026, 8, 25))
    clock(date(2026, 8, 26))
    enquiry_change_status(enquiry=enquiry, status=Status.AWAITING_GROUP, actor=adviser.user)
    clock(date(2026, 9, 1))
    enquiry_change_status(enquiry=enquiry, status=Status.IN_PROGRESS, actor=None)
    clock(date(2026, 9, 3))
    answered = enquiry_change_status(enquiry=enquiry, status=Status.ANSWERED, actor=adviser.user)
    assert answered.resolved_at == at(date(2026, 9, 3))
    # 26, 27, 28 Aug, 1, 2, 3 Sep = 6 working days, 3 paused.
    assert answered.resolution_working_days == 3


def test_closing_while_paused_counts_the_running_pause(receive, clock, adviser):
    enquiry = receive(date(2026, 8, 25))
    clock(date(2026, 8, 26))
    enquiry_change_status(enquiry=enquiry, status=Status.AWAITING_GROUP, actor=adviser.user)
    clock(date(2026, 9, 1))
    closed = enquiry_change_status(enquiry=enquiry, status=Status.CLOSED, actor=adviser.user)
    assert closed.sla_paused_since is None
    assert closed.resolution_working_days == 1  # 26 Aug only


def test_reopening_does_not_restart_the_resolution_clock(receive, clock, adviser):
    enquiry = receive(date(2026, 8, 25))
    clock(date(2026, 8, 27))
    enquiry_change_status(enquiry=enquiry, status=Status.CLOSED, actor=adviser.user)
    clock(date(2026, 9, 8))
    reopened = enquiry_change_status(enquiry=enquiry, status=Status.IN_PROGRESS, actor=None)
    clock(date(2026, 9, 9))
    paused = enquiry_change_status(enquiry=enquiry, status=Status.AWAITING_GROUP, actor=None)
    closed = enquiry_change_status(enquiry=enquiry, status=Status.CLOSED, actor=adviser.user)
    assert reopened.resolved_at == closed.resolved_at == at(date(2026, 8, 27))
    assert closed.resolution_working_days == 2
    assert paused.sla_paused_since is None  # resolved: nothing left to pause
    assert service_levels.sla_state(closed, date(2026, 9, 9)).state == service_levels.MET


# --- the queue ---------------------------------------------------------------------------------


def later(days: int) -> date:
    return add_working_days(timezone.localdate(), days)


def earlier(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def sla_mix(db):
    """One enquiry in each service-level state, by subject."""
    responded = timezone.now() - timedelta(days=30)
    rows = {
        "on track": {"first_response_due": later(5), "resolution_due": later(20)},
        "response at risk": {"first_response_due": later(1), "resolution_due": later(15)},
        "response breached": {"first_response_due": earlier(3), "resolution_due": later(10)},
        "resolution breached": {
            "first_response_due": earlier(40),
            "first_response_at": responded,
            "resolution_due": earlier(2),
        },
        "resolution at risk": {
            "first_response_due": earlier(30),
            "first_response_at": responded,
            "resolution_due": timezone.localdate(),
        },
        "paused": {
            "first_response_due": earlier(3),
            "resolution_due": earlier(1),
            "status": Status.AWAITING_GROUP,
            "sla_paused_since": timezone.now() - timedelta(days=5),
        },
        "answered late": {
            "first_response_due": earlier(40),
            "first_response_at": responded,
            "resolution_due": earlier(10),
            "status": Status.ANSWERED,
            "resolved_at": timezone.now() - timedelta(days=1),
        },
        "no target": {},
    }
    return {subject: EnquiryFactory(subject=subject, **values) for subject, values in rows.items()}


def subjects(response) -> set[str]:
    return {e.subject for e in response.context["page"].object_list}


def test_the_queue_filters_enquiries_at_risk(client, manager, sla_mix):
    client.force_login(manager.user)
    response = client.get(QUEUE, {"queue": "all", "sla": "at_risk"})
    assert response.status_code == 200
    assert subjects(response) == {"response at risk", "resolution at risk"}


def test_the_queue_filters_breached_enquiries_and_leaves_out_paused_ones(client, manager, sla_mix):
    client.force_login(manager.user)
    response = client.get(QUEUE, {"queue": "all", "sla": "breached"})
    assert subjects(response) == {"response breached", "resolution breached"}


def test_the_filter_agrees_with_the_words_shown(client, manager, sla_mix):
    client.force_login(manager.user)
    today = timezone.localdate()
    for value in (service_levels.AT_RISK, service_levels.BREACHED):
        response = client.get(QUEUE, {"queue": "all", "sla": value})
        states = {service_levels.sla_state(e, today).state for e in response.context["page"]}
        assert states == {value}


def test_the_queue_shows_the_service_level_in_words(client, manager, sla_mix):
    client.force_login(manager.user)
    body = client.get(QUEUE, {"queue": "all"}).content.decode()
    assert '<th scope="col">Service level</th>' in body
    assert "Breached: first response" in body
    assert "Paused: waiting for the group" in body
    assert "working days left to first response" in body
    assert unlabelled_controls(body) == []


def test_an_unknown_service_level_filter_is_a_400_with_the_error(client, manager, sla_mix):
    client.force_login(manager.user)
    response = client.get(QUEUE, {"queue": "all", "sla": "late"})
    assert response.status_code == 400
    assert "Service level" in response.content.decode()


def test_the_queue_sorts_by_time_to_breach_with_stopped_clocks_last(client, manager, sla_mix):
    client.force_login(manager.user)
    response = client.get(QUEUE, {"queue": "all", "ordering": "sla"})
    order = [e.subject for e in response.context["page"].object_list]
    assert order[:2] == ["response breached", "resolution breached"]  # 3 and 2 days ago
    assert order.index("response at risk") < order.index("on track")
    assert set(order[-3:]) == {"paused", "no target", "answered late"}


def test_the_enquiry_page_shows_the_service_level(client, manager, sla_mix):
    client.force_login(manager.user)
    enquiry = sla_mix["response breached"]
    body = client.get(reverse("casework:enquiry", args=[enquiry.reference])).content.decode()
    assert "<dt>Service level</dt>" in body
    assert "Breached: first response" in body
    assert "First response due by" in body


def make_breached(manager, count):
    for _ in range(count):
        EnquiryFactory(assigned_to=manager.user, first_response_due=earlier(5))


def test_the_filtered_queue_runs_a_constant_number_of_queries(
    client, manager, django_assert_num_queries
):
    client.force_login(manager.user)
    make_breached(manager, 3)
    client.get(QUEUE)  # the topic list is read once, then held (knowledgebase.reference_data)
    with CaptureQueriesContext(connection) as small:
        response = client.get(QUEUE, {"queue": "all", "sla": "breached", "ordering": "sla"})
        assert len(response.context["page"].object_list) == 3
    assert len(small.captured_queries) <= 18  # 18: the bulk form's lists of advisers and letters
    make_breached(manager, 57)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(QUEUE, {"queue": "all", "sla": "breached", "ordering": "sla"})
        assert len(response.context["page"].object_list) == 50


# --- the managers' page ------------------------------------------------------------------------


def default_target() -> ServiceLevelTarget:
    return ServiceLevelTarget.objects.get(topic__isnull=True)


def test_anonymous_visitors_sign_in_first(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["adviser", "outsider"])
def test_only_managers_see_or_change_service_levels(client, request, who):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    target = default_target()
    assert client.get(PAGE).status_code == 403
    change = reverse("casework:service_level_change", args=[target.pk])
    data = {f"target-{target.pk}-first_response_days": 5, f"target-{target.pk}-resolution_days": 9}
    assert client.post(change, data).status_code == 403
    target.refresh_from_db()
    assert (target.first_response_days, target.resolution_days) == (2, 20)


def test_managers_see_every_target_with_labelled_forms(client, manager):
    client.force_login(manager.user)
    response = client.get(PAGE)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Default (every other topic" in body and "Right to Bid" in body
    assert "The default cannot be removed." in body
    assert unlabelled_controls(body) == []


def test_a_manager_changes_the_default_and_is_recorded(client, manager):
    client.force_login(manager.user)
    target = default_target()
    response = client.post(
        reverse("casework:service_level_change", args=[target.pk]),
        {f"target-{target.pk}-first_response_days": 3, f"target-{target.pk}-resolution_days": 15},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.first_response_days, target.resolution_days, target.updated_by) == (
        3,
        15,
        manager.user,
    )


@pytest.mark.parametrize(
    ("first", "resolution", "field", "message"),
    [
        ("0", "10", "first_response_days", "must be at least 1"),
        ("5", "3", "resolution_days", "cannot be fewer than"),
        ("two", "10", "first_response_days", "as a whole number"),
        ("", "10", "first_response_days", "Enter the"),
        ("1", "999", "resolution_days", "at most 250"),
    ],
)
def test_bad_numbers_are_refused_with_a_linked_error_and_nothing_changes(
    client, manager, first, resolution, field, message
):
    client.force_login(manager.user)
    target = default_target()
    prefix = f"target-{target.pk}"
    response = client.post(
        reverse("casework:service_level_change", args=[target.pk]),
        {f"{prefix}-first_response_days": first, f"{prefix}-resolution_days": resolution},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert f'href="#id_{prefix}-{field}"' in body and message in body
    target.refresh_from_db()
    assert (target.first_response_days, target.resolution_days) == (2, 20)


def test_a_manager_adds_and_removes_a_topic_target(client, manager, topics):
    client.force_login(manager.user)
    response = client.post(
        PAGE,
        {"add-topic": topics["neighbourhood-planning"].pk, "add-first_response_days": 3},
        follow=False,
    )
    assert response.status_code == 400  # the resolution days are missing
    assert not ServiceLevelTarget.objects.filter(topic=topics["neighbourhood-planning"]).exists()
    response = client.post(
        PAGE,
        {
            "add-topic": topics["neighbourhood-planning"].pk,
            "add-first_response_days": 3,
            "add-resolution_days": 30,
        },
    )
    assert response.status_code == 302
    added = ServiceLevelTarget.objects.get(topic=topics["neighbourhood-planning"])
    assert added.updated_by == manager.user
    assert service_level_for(topic=topics["np-submission"]) == added
    response = client.post(reverse("casework:service_level_remove", args=[added.pk]), follow=True)
    assert "removed" in " ".join(messages_of(response))
    assert service_level_for(topic=topics["np-submission"]).topic_id is None


def test_a_topic_with_a_target_cannot_get_a_second(client, manager, topics):
    client.force_login(manager.user)
    response = client.post(
        PAGE,
        {
            "add-topic": topics["right-to-bid"].pk,
            "add-first_response_days": 3,
            "add-resolution_days": 30,
        },
    )
    assert response.status_code == 400
    assert ServiceLevelTarget.objects.filter(topic=topics["right-to-bid"]).count() == 1


def test_the_default_cannot_be_removed(client, manager):
    client.force_login(manager.user)
    target = default_target()
    response = client.post(reverse("casework:service_level_remove", args=[target.pk]))
    assert response.status_code == 400
    assert "cannot be removed" in response.content.decode()
    assert ServiceLevelTarget.objects.filter(pk=target.pk).exists()


def test_an_unknown_target_is_a_404(client, manager):
    client.force_login(manager.user)
    assert client.post(reverse("casework:service_level_remove", args=[9999])).status_code == 404


def test_managers_hold_the_service_level_permissions(manager):
    for verb in ("add", "change", "delete", "view"):
        assert manager.user.has_perm(f"knowledgebase.{verb}_serviceleveltarget")


def test_advisers_do_not_hold_them(adviser):
    assert not adviser.user.has_perm("knowledgebase.change_serviceleveltarget")


def test_the_admin_refuses_to_delete_the_default(admin_client):
    target = default_target()
    response = admin_client.get(
        reverse("admin:knowledgebase_serviceleveltarget_delete", args=[target.pk])
    )
    assert response.status_code == 403


def test_the_admin_offers_no_bulk_delete_and_uses_the_current_actions_hook(admin_client):
    """Django 6.1 deprecates get_actions() without ``action_location`` (removed in 2028)."""
    import warnings

    from django.utils.deprecation import RemovedInDjango2028Warning

    url = reverse("admin:knowledgebase_serviceleveltarget_changelist")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RemovedInDjango2028Warning)
        response = admin_client.get(url)
    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()


# --- demo data ---------------------------------------------------------------------------------


def test_the_demo_desk_has_enquiries_in_every_service_level_state(db):
    from io import StringIO

    from django.core.management import call_command

    from casework.queue.filters import EnquiryFilter

    call_command("seed_demo", stdout=StringIO(), enquiries=1500, seed=7)
    everything = Enquiry.objects.all()
    assert not everything.filter(first_response_due__isnull=True).exists()
    for value in (service_levels.AT_RISK, service_levels.BREACHED):
        assert EnquiryFilter({"sla": value}, queryset=everything).qs.exists(), value
    assert everything.filter(sla_paused_since__isnull=False, status=Status.AWAITING_GROUP).exists()
    assert everything.filter(first_response_working_days__isnull=False).exists()
    assert everything.filter(resolution_working_days__isnull=False).exists()
    states = {service_levels.sla_state(e, timezone.localdate()).state for e in everything}
    assert states >= {
        service_levels.ON_TRACK,
        service_levels.AT_RISK,
        service_levels.BREACHED,
        service_levels.PAUSED,
        service_levels.MET,
    }
