"""Key dates and the statutory deadlines they start: service, page, queue.

DOMAIN.md's worked example: the council received the owner's notice of intended
disposal of a listed pub on 2 March 2026; the interim moratorium ends 12 April
2026, the full moratorium 1 September 2026, the protected period 1 September 2027.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.cases.services import outcome_record
from casework.clocks import selectors as clocks_selectors
from casework.clocks import services as clocks_services
from casework.enquiry import services as enquiry_services
from casework.models import Deadline, KeyDate
from enquiries.models import EnquiryEvent, Status
from knowledgebase.periods import add_months
from tests.casework.test_desk_views import rows, unlabelled_controls
from tests.factories import AdviserFactory, EnquiryFactory

pytestmark = pytest.mark.django_db

NOTICE = "disposal-notice-received"
WORKED_EXAMPLE = {
    "acv-interim-moratorium": date(2026, 4, 12),
    "acv-full-moratorium": date(2026, 9, 1),
    "acv-protected-period": date(2027, 9, 1),
}


def page(enquiry) -> str:
    return reverse("casework:enquiry", args=[enquiry.reference])


def record_url(enquiry) -> str:
    return reverse("casework:key_date_record", args=[enquiry.reference])


def remove_url(key_date) -> str:
    return reverse("casework:key_date_remove", args=[key_date.enquiry.reference, key_date.pk])


def ends(enquiry) -> dict[str, date]:
    [view] = clocks_selectors.key_date_list(enquiry=enquiry)
    return {d.rule.slug: d.end for d in view.deadlines}


# --- the service ---------------------------------------------------------------------------


def test_worked_example_one_notice_starts_three_clocks(mine, adviser):
    key_date = clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user, note="Letter"
    )
    assert ends(mine) == WORKED_EXAMPLE
    stored = {d.rule.slug: d.ends_on for d in Deadline.objects.filter(key_date=key_date)}
    assert stored == WORKED_EXAMPLE
    event = mine.events.get(kind=EnquiryEvent.Kind.KEY_DATE_RECORDED)
    assert event.actor == adviser.user
    assert event.data["trigger"] == NOTICE and event.data["date"] == "2026-03-02"


def test_disputed_rule_shows_the_earlier_reading_and_says_so(mine, adviser):
    # Right to Challenge: "30 days from" the EOI, which some read as "beginning with".
    clocks_services.key_date_record(
        enquiry=mine, trigger="eoi-received", date=date(2026, 3, 2), actor=adviser.user
    )
    [view] = clocks_selectors.key_date_list(enquiry=mine)
    [deadline] = view.deadlines
    assert deadline.rule.slug == "crtc-timescale-notice"
    assert deadline.end == date(2026, 3, 31)  # "from" would give 1 April
    assert deadline.earlier_reading and deadline.needs_source_check
    assert "1 April 2026" in deadline.explanation and "earlier date" in deadline.explanation
    assert Deadline.objects.get().ends_on == date(2026, 3, 31)


def test_verified_rules_have_one_reading(mine, adviser):
    clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user
    )
    [view] = clocks_selectors.key_date_list(enquiry=mine)
    assert not any(d.earlier_reading or d.needs_source_check for d in view.deadlines)


def test_the_retention_policy_clock_is_not_a_key_date_choice(mine, adviser):
    triggers = {t.slug for t in clocks_selectors.key_date_triggers()}
    assert NOTICE in triggers and "case-closed" not in triggers
    with pytest.raises(ValidationError) as error:
        clocks_services.key_date_record(
            enquiry=mine, trigger="case-closed", date=date(2026, 3, 2), actor=adviser.user
        )
    assert "trigger" in error.value.message_dict
    assert not KeyDate.objects.exists()


@pytest.mark.parametrize(
    ("trigger", "shift", "field"),
    [
        ("no-such-trigger", timedelta(0), "trigger"),
        (NOTICE, timedelta(days=400), "date"),
        (NOTICE, None, "date"),  # 50 years and a day ago
    ],
)
def test_unknown_trigger_and_implausible_dates_are_refused(mine, adviser, trigger, shift, field):
    today = timezone.localdate()
    day = today + shift if shift is not None else add_months(today, -600) - timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        clocks_services.key_date_record(enquiry=mine, trigger=trigger, date=day, actor=adviser.user)
    assert list(error.value.message_dict) == [field]
    assert not KeyDate.objects.exists() and not Deadline.objects.exists()
    assert not mine.events.filter(kind=EnquiryEvent.Kind.KEY_DATE_RECORDED).exists()


def test_a_note_longer_than_the_column_is_refused_with_the_forms_message(mine, adviser):
    with pytest.raises(ValidationError) as error:
        clocks_services.key_date_record(
            enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user, note="x" * 501
        )
    assert error.value.message_dict == {
        "note": ["Ensure this value has at most 500 characters (it has 501)."]
    }
    assert not KeyDate.objects.exists() and not Deadline.objects.exists()


def test_a_date_before_the_enquiry_and_one_up_to_a_year_ahead_are_fine(mine, adviser):
    today = timezone.localdate()
    for day in (date(1990, 1, 1), today + timedelta(days=300)):
        clocks_services.key_date_record(enquiry=mine, trigger=NOTICE, date=day, actor=adviser.user)
    assert KeyDate.objects.count() == 2 and Deadline.objects.count() == 6


def test_the_same_key_date_twice_is_refused(mine, adviser):
    clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user
    )
    with pytest.raises(ValidationError):
        clocks_services.key_date_record(
            enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user
        )
    assert KeyDate.objects.count() == 1


def test_only_the_holder_or_a_manager_records_and_removes(mine, adviser, manager, teams):
    teammate = AdviserFactory(first_name="Tess", teams=[teams["assets"]])
    with pytest.raises(PermissionDenied):
        clocks_services.key_date_record(
            enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=teammate.user
        )
    key_date = clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=manager.user
    )
    with pytest.raises(PermissionDenied):
        clocks_services.key_date_remove(key_date=key_date, actor=teammate.user)
    clocks_services.key_date_remove(key_date=key_date, actor=adviser.user)
    assert not KeyDate.objects.exists() and not Deadline.objects.exists()
    removed = mine.events.get(kind=EnquiryEvent.Kind.KEY_DATE_REMOVED)
    assert removed.actor == adviser.user and removed.data["date"] == "2026-03-02"


@pytest.mark.parametrize(
    ("days", "status", "css"),
    [
        (-1, "passed", "deadline-passed"),
        (0, "due within 7 days", "deadline-soon"),
        (7, "due within 7 days", "deadline-soon"),
        (8, "due within 14 days", "deadline-near"),
        (14, "due within 14 days", "deadline-near"),
        (15, "later", "deadline-later"),
    ],
)
def test_status_words_and_classes_by_days_left(mine, adviser, days, status, css):
    # acv-tribunal-appeal: 28 days from the review decision notice.
    today = timezone.localdate()
    clocks_services.key_date_record(
        enquiry=mine,
        trigger="review-decision-sent",
        date=today + timedelta(days=days - 28),
        actor=adviser.user,
    )
    [view] = clocks_selectors.key_date_list(enquiry=mine)
    [deadline] = view.deadlines
    assert (deadline.days_left, deadline.status, deadline.css_class) == (days, status, css)


# --- the enquiry page ----------------------------------------------------------------------


def test_adviser_records_the_worked_example_and_sees_every_deadline(client, adviser, mine):
    client.force_login(adviser.user)
    response = client.post(
        record_url(mine), {"trigger": NOTICE, "date": "2026-03-02", "note": "Council letter"}
    )
    assert response.status_code == 302
    assert response["Location"] == page(mine) + "#key-dates-heading"
    body = client.get(page(mine)).content.decode()
    assert "Key dates and deadlines" in body
    for text in (
        "Sunday 12 April 2026",
        "Tuesday 1 September 2026",
        "Wednesday 1 September 2027",
        "Localism Act 2011 s.95(6)",
        "No request in time: the owner may sell",
        "Council letter",
        "<caption>Deadlines started by council receives the owner",
        "Key date recorded: Council receives the owner&#x27;s notice of intended disposal",
    ):
        assert text in body, text
    assert "Check the source" not in body  # all three are verified
    assert unlabelled_controls(body) == []


def test_page_shows_status_in_words_and_check_the_source_for_disputed_rules(client, adviser, mine):
    clocks_services.key_date_record(
        enquiry=mine, trigger="eoi-received", date=timezone.localdate(), actor=adviser.user
    )
    client.force_login(adviser.user)
    body = client.get(page(mine)).content.decode()
    assert 'class="deadline deadline-later">Later</span>' in body
    assert "Check the source" in body
    assert "the earlier end date is shown" in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"trigger": "no-such-trigger", "date": "2026-03-02"}, "Choose a key date from the list"),
        ({"trigger": NOTICE, "date": "2026-02-30"}, "Enter a real date"),
        ({"trigger": NOTICE, "date": "2099-01-01"}, "more than a year ahead"),
        ({"trigger": NOTICE, "date": ""}, "This field is required"),
    ],
)
def test_bad_key_date_input_is_a_400_with_an_error_summary(client, adviser, mine, data, message):
    client.force_login(adviser.user)
    response = client.post(record_url(mine), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "The key date was not recorded" in body and message in body
    assert response.context["key_date_form"].errors
    assert not KeyDate.objects.exists()


def test_recording_needs_sign_in_a_desk_role_and_the_enquiry(client, outsider, mine):
    data = {"trigger": NOTICE, "date": "2026-03-02"}
    response = client.post(record_url(mine), data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.post(record_url(mine), data).status_code == 403
    assert not KeyDate.objects.exists()


def test_another_teams_enquiry_is_not_found(client, adviser, theirs, other_adviser):
    client.force_login(adviser.user)
    data = {"trigger": NOTICE, "date": "2026-03-02"}
    assert client.post(record_url(theirs), data).status_code == 404
    key_date = clocks_services.key_date_record(
        enquiry=theirs, trigger=NOTICE, date=date(2026, 3, 2), actor=other_adviser.user
    )
    assert client.post(remove_url(key_date)).status_code == 404
    assert KeyDate.objects.count() == 1


def test_a_teammate_not_holding_the_enquiry_sees_deadlines_but_cannot_record(
    client, mine, adviser, teams
):
    clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user
    )
    teammate = AdviserFactory(first_name="Tess", teams=[teams["assets"]])
    client.force_login(teammate.user)
    response = client.get(page(mine))
    assert response.status_code == 200
    assert "Sunday 12 April 2026" in response.content.decode()
    assert response.context["key_date_form"] is None
    data = {"trigger": NOTICE, "date": "2026-03-03"}
    assert client.post(record_url(mine), data).status_code == 403
    key_date = KeyDate.objects.get()
    assert client.post(remove_url(key_date)).status_code == 403
    assert KeyDate.objects.count() == 1


def test_adviser_removes_a_key_date_recorded_in_error(client, adviser, mine):
    key_date = clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user
    )
    client.force_login(adviser.user)
    assert client.get(remove_url(key_date)).status_code == 405
    response = client.post(remove_url(key_date))
    assert response.status_code == 302
    assert not KeyDate.objects.exists() and not Deadline.objects.exists()
    assert client.post(remove_url(key_date)).status_code == 404


def test_enquiry_page_query_count_does_not_grow_with_key_dates(
    client, manager, adviser, mine, django_assert_num_queries
):
    clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user
    )
    client.force_login(manager.user)
    client.get(page(mine))  # the reference lists are read once, then held
    with CaptureQueriesContext(connection) as one:
        client.get(page(mine))
    for trigger, day in [
        ("eoi-received", "2026-04-01"),
        ("area-application-publicised", "2026-05-01"),
    ]:
        clocks_services.key_date_record(
            enquiry=mine, trigger=trigger, date=date.fromisoformat(day), actor=adviser.user
        )
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(page(mine))
    assert sum(len(kd.deadlines) for kd in response.context["key_dates"]) == 6


# --- the queue -----------------------------------------------------------------------------


def test_queue_orders_by_the_nearest_deadline_still_to_come(client, manager, adviser, topics):
    today = timezone.localdate()
    make = lambda: EnquiryFactory(assigned_to=adviser.user, topic=topics["right-to-bid"])  # noqa: E731
    # 5-year listing from long ago (passed) but a review request due in 10 days: 10 days.
    soon = make()
    clocks_services.key_date_record(
        enquiry=soon,
        trigger="review-decision-sent",
        date=today - timedelta(days=18),
        actor=manager.user,
    )
    clocks_services.key_date_record(
        enquiry=soon, trigger="asset-listed", date=date(2015, 1, 1), actor=manager.user
    )
    # Recorded earlier than ``soon``'s review date, yet its nearest deadline is later:
    # a listing that began four years ago ends in about a year.
    later = make()
    clocks_services.key_date_record(
        enquiry=later, trigger="asset-listed", date=add_months(today, -48), actor=manager.user
    )
    # Only passed deadlines: ordered with the enquiries that have none, last.
    passed = make()
    clocks_services.key_date_record(
        enquiry=passed, trigger="review-decision-sent", date=date(2020, 1, 1), actor=manager.user
    )
    none = make()
    client.force_login(manager.user)
    url = reverse("casework:queue")
    response = client.get(url, {"queue": "all", "ordering": "deadline"})
    assert response.status_code == 200
    order = rows(response)
    assert order[:2] == [soon.reference, later.reference]
    assert set(order[2:]) == {passed.reference, none.reference}
    body = response.content.decode()
    assert "Next deadline" in body
    assert f"{today + timedelta(days=10):%-d %b %Y}" in body
    reverse_order = rows(client.get(url, {"queue": "all", "ordering": "-deadline"}))
    assert reverse_order[:2] == [later.reference, soon.reference]


def test_closed_enquiries_keep_deadlines_but_leave_the_open_queue(client, adviser, mine):
    clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=timezone.localdate(), actor=adviser.user
    )
    outcome_record(enquiry=mine, code="advice_first_contact", is_closing=True, actor=adviser.user)
    enquiry_services.enquiry_set_status(enquiry=mine, status=Status.CLOSED, actor=adviser.user)
    client.force_login(adviser.user)
    assert rows(client.get(reverse("casework:queue"), {"ordering": "deadline"})) == []


def test_queue_query_count_stays_constant_with_deadlines(
    client, adviser, topics, django_assert_num_queries
):
    client.force_login(adviser.user)
    url = reverse("casework:queue")

    def make(n):
        for _ in range(n):
            enquiry = EnquiryFactory(assigned_to=adviser.user, topic=topics["right-to-bid"])
            clocks_services.key_date_record(
                enquiry=enquiry, trigger=NOTICE, date=timezone.localdate(), actor=adviser.user
            )

    make(3)
    client.get(url)  # the topic list is read once, then held (knowledgebase.reference_data)
    with CaptureQueriesContext(connection) as small:
        assert len(rows(client.get(url, {"ordering": "deadline"}))) == 3
    make(52)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(rows(client.get(url, {"ordering": "deadline"}))) == 50
