"""The "several councils" variant of np-area-decision and np-forum-decision, recorded with
the key date: 20 weeks, not 13 (Neighbourhood Planning (General) Regulations 2012,
regs 6A and 9A), on the enquiry page, the API, the calculator, the portal copy, the
stored deadline the queue and reports read, and the reminders.

Dates that depend on today move the clock with ``time_machine``.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casework.clocks import selectors as clocks_selectors
from casework.clocks import services as clocks_services
from casework.models import Deadline, KeyDate
from casework.publishing.services import deadline_publish
from enquiries.models import EnquiryEvent, Notification, PublicDate

pytestmark = pytest.mark.django_db

AREA = "area-application-publicised"
FORUM = "forum-application-publicised"
LONDON = ZoneInfo("Europe/London")
START = date(2027, 12, 31)  # 13 weeks after: Fri 31 Mar 2028; 20 weeks: Fri 19 May 2028


@pytest.fixture
def in_2028(time_machine):
    time_machine.move_to(datetime(2028, 1, 12, 10, tzinfo=LONDON), tick=False)


def _ends(enquiry) -> dict[str, clocks_selectors.DeadlineView]:
    return {
        d.rule.slug: d
        for kd in clocks_selectors.key_date_list(enquiry=enquiry)
        for d in kd.deadlines
    }


def test_several_councils_gives_twenty_weeks_with_the_reason_and_source(in_2028, mine, adviser):
    clocks_services.key_date_record(
        enquiry=mine, trigger=AREA, date=START, councils_involved=2, actor=adviser.user
    )
    decision = _ends(mine)["np-area-decision"]
    assert decision.end == date(2028, 5, 19)
    assert decision.explanation.startswith(
        "20 weeks because the area covers more than one council (Neighbourhood Planning "
        "(General) Regulations 2012 (SI 2012/637), as amended, reg 6A): 20 weeks beginning "
        "with the day after 31 December 2027 ends on Friday 19 May 2028."
    )
    assert "reg 6A (20 weeks because the area covers more than one council)" in (
        decision.legal_source
    )
    # The comment period has no variant: still "not less than 6 weeks".
    assert _ends(mine)["np-area-representations"].variant is None
    # The stored row (queue order, caseload report, reminders) has the 20-week end.
    stored = Deadline.objects.get(key_date__enquiry=mine, rule__slug="np-area-decision")
    assert stored.ends_on == date(2028, 5, 19)


def test_one_council_keeps_thirteen_weeks(in_2028, mine, adviser):
    clocks_services.key_date_record(enquiry=mine, trigger=AREA, date=START, actor=adviser.user)
    decision = _ends(mine)["np-area-decision"]
    assert (decision.end, decision.variant) == (date(2028, 3, 31), None)
    assert decision.explanation == (
        "13 weeks beginning with the day after 31 December 2027 ends on Friday 31 March 2028."
    )
    assert KeyDate.objects.get(enquiry=mine).councils_involved == 1


def test_forum_decision_on_leap_day_with_several_councils(in_2028, mine, adviser):
    with_variant = clocks_services.key_date_record(
        enquiry=mine,
        trigger=FORUM,
        date=date(2028, 2, 29),
        councils_involved=3,
        actor=adviser.user,
    )
    decision = _ends(mine)["np-forum-decision"]
    assert decision.end == date(2028, 7, 18)
    assert "reg 9A" in decision.explanation and decision.needs_source_check
    clocks_services.key_date_remove(key_date=with_variant, actor=adviser.user)
    clocks_services.key_date_record(
        enquiry=mine, trigger=FORUM, date=date(2028, 2, 29), actor=adviser.user
    )
    assert _ends(mine)["np-forum-decision"].end == date(2028, 5, 30)


def test_enquiry_page_records_councils_and_shows_the_twenty_week_explanation(
    in_2028, client, mine, adviser, areas
):
    client.force_login(adviser.user)
    url = reverse("casework:key_date_record", args=[mine.reference])
    response = client.post(
        url,
        {
            "trigger": AREA,
            "date": "2027-12-31",
            "councils": [areas["west-lindsey"].pk, areas["lincoln"].pk],
            "note": "",
        },
    )
    assert response.status_code == 302
    body = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    for text in (
        "Friday 19 May 2028",
        "20 weeks because the area covers more than one council",
        "The area covers 2 councils: Lincoln, West Lindsey",
        "area covers 2 councils: Lincoln, West Lindsey)",  # the history line
    ):
        assert text in body, text
    event = EnquiryEvent.objects.get(enquiry=mine, kind=EnquiryEvent.Kind.KEY_DATE_RECORDED)
    assert event.data["councils_involved"] == 2
    assert event.data["councils"] == ["Lincoln", "West Lindsey"]
    key_date = KeyDate.objects.get(enquiry=mine)
    assert sorted(c.slug for c in key_date.councils.all()) == ["lincoln", "west-lindsey"]


def test_enquiry_page_refuses_an_unknown_council_and_keeps_what_was_typed(
    in_2028, client, mine, adviser
):
    client.force_login(adviser.user)
    url = reverse("casework:key_date_record", args=[mine.reference])
    response = client.post(
        url, {"trigger": AREA, "date": "2027-12-31", "councils": ["999999"], "note": "Kept"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose councils from the list." in body and 'value="Kept"' in body
    assert not KeyDate.objects.filter(enquiry=mine).exists()


def test_calculator_page_with_several_councils(client, adviser):
    client.force_login(adviser.user)
    page = reverse("casework:clock")
    body = client.get(
        page, {"rule": "np-area-decision", "start": "2027-12-31", "several_councils": "on"}
    ).content.decode()
    assert "Friday 19 May 2028" in body
    assert "20 weeks because the area covers more than one council" in body
    plain = client.get(page, {"rule": "np-area-decision", "start": "2027-12-31"}).content.decode()
    assert "Friday 31 March 2028" in plain and "20 weeks because" not in plain


def test_rules_api_lists_the_variants(api_client, adviser):
    api_client.force_authenticate(adviser.user)
    results = {r["slug"]: r for r in api_client.get("/api/v1/deadline-rules/").json()["results"]}
    [variant] = results["np-forum-decision"]["variants"]
    assert variant == {
        "condition": "several_councils",
        "reason": "the area covers more than one council",
        "length": 20,
        "unit": "weeks",
        "legal_source": "Neighbourhood Planning (General) Regulations 2012 (SI 2012/637), as "
        "amended, reg 9A",
    }
    assert results["acv-listing"]["variants"] == []


def test_clock_api_takes_conditions(api_client, adviser):
    api_client.force_authenticate(adviser.user)
    body = {"rule": "np-area-decision", "start": "2027-12-31", "conditions": ["several_councils"]}
    result = api_client.post("/api/v1/clock/", body, format="json").json()
    assert result["end"] == "2028-05-19" and result["variant"]["length"] == 20
    body["conditions"] = ["nonsense"]
    response = api_client.post("/api/v1/clock/", body, format="json")
    assert response.status_code == 400


def test_key_dates_api_records_councils_and_shows_the_variant(in_2028, api_client, mine, adviser):
    api_client.force_authenticate(adviser.user)
    url = f"/api/v1/enquiries/{mine.reference}/key-dates/"
    response = api_client.post(
        url,
        {"trigger": AREA, "date": "2027-12-31", "councils": ["west-lindsey", "lincoln"]},
        format="json",
    )
    assert response.status_code == 201
    [key_date] = response.json()
    assert key_date["councils_involved"] == 2
    assert sorted(key_date["councils"]) == ["lincoln", "west-lindsey"]
    decision = next(d for d in key_date["deadlines"] if d["rule"] == "np-area-decision")
    assert decision["end"] == "2028-05-19"
    assert decision["variant"]["condition"] == "several_councils"
    bad = api_client.post(
        url, {"trigger": FORUM, "date": "2027-12-31", "councils": ["atlantis"]}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["councils"] == ["No local authority in use has the slug atlantis."]
    zero = api_client.post(
        url, {"trigger": FORUM, "date": "2027-12-31", "councils_involved": 0}, format="json"
    )
    assert zero.status_code == 400 and "councils_involved" in zero.json()
    mismatch = api_client.post(
        url,
        {"trigger": FORUM, "date": "2027-12-31", "councils": ["lincoln"], "councils_involved": 2},
        format="json",
    )
    assert mismatch.status_code == 400
    assert mismatch.json()["councils_involved"] == ["1 councils are named, not 2."]


def test_one_council_named_keeps_thirteen_weeks(in_2028, mine, adviser, areas):
    key_date = clocks_services.key_date_record(
        enquiry=mine, trigger=AREA, date=START, councils=[areas["lincoln"]], actor=adviser.user
    )
    assert (key_date.councils_involved, key_date.conditions) == (1, frozenset())
    assert _ends(mine)["np-area-decision"].end == date(2028, 3, 31)


def test_a_council_named_twice_is_refused(in_2028, mine, adviser, areas):
    with pytest.raises(ValidationError, match="once"):
        clocks_services.key_date_record(
            enquiry=mine,
            trigger=AREA,
            date=START,
            councils=[areas["lincoln"], areas["lincoln"]],
            actor=adviser.user,
        )


def test_a_key_date_counted_before_councils_were_named_keeps_its_deadline(
    in_2028, client, mine, adviser
):
    """Rows from before the list (a count, no names): the 20-week variant still holds,
    and the page says the councils were not named."""
    clocks_services.key_date_record(
        enquiry=mine, trigger=AREA, date=START, councils_involved=2, actor=adviser.user
    )
    assert _ends(mine)["np-area-decision"].end == date(2028, 5, 19)
    client.force_login(adviser.user)
    body = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    assert "The area covers 2 councils (not named: recorded before the desk listed them)" in body


def test_the_case_page_records_councils(in_2028, client, mine, adviser, areas):
    from casework.cases.services import case_open_from_enquiry

    case = case_open_from_enquiry(enquiry=mine, actor=adviser.user, title="Plan")
    client.force_login(adviser.user)
    response = client.post(
        reverse("casework:case_key_date", args=[case.pk]),
        {
            "key_date-enquiry": mine.reference,
            "key_date-trigger": FORUM,
            "key_date-date": "2027-12-31",
            "key_date-councils": [areas["lincoln"].pk, areas["west-lindsey"].pk],
        },
    )
    assert response.status_code == 302
    assert KeyDate.objects.get(enquiry=mine).councils.count() == 2
    assert _ends(mine)["np-forum-decision"].variant is not None


def test_the_group_sees_the_twenty_week_date_and_why(in_2028, mine, adviser):
    key_date = clocks_services.key_date_record(
        enquiry=mine, trigger=AREA, date=START, councils_involved=2, actor=adviser.user
    )
    rule = Deadline.objects.get(key_date=key_date, rule__slug="np-area-decision").rule
    deadline_publish(
        enquiry=mine,
        key_date_id=key_date.pk,
        rule_id=rule.pk,
        is_group_deadline=False,
        actor=adviser.user,
    )
    shown = PublicDate.objects.get(enquiry=mine)
    assert shown.date == date(2028, 5, 19)
    assert shown.legal_source.endswith(
        "reg 6A (20 weeks because the area covers more than one council)"
    )


def test_reminders_use_the_twenty_week_end(in_2028, mine, adviser):
    clocks_services.key_date_record(
        enquiry=mine, trigger=AREA, date=START, councils_involved=2, actor=adviser.user
    )
    decision = Deadline.objects.get(key_date__enquiry=mine, rule__slug="np-area-decision")
    # Three days before the 13-week end: nothing about the decision (it is 20 weeks).
    clocks_services.deadline_reminders_send(today=date(2028, 3, 28))
    assert not Notification.objects.filter(dedupe_key__startswith=f"deadline:{decision.pk}:")
    # Three days before the 20-week end: reminded, with the explanation.
    clocks_services.deadline_reminders_send(today=date(2028, 5, 16))
    reminder = Notification.objects.get(dedupe_key=f"deadline:{decision.pk}:due")
    assert reminder.data["end_label"] == "Friday 19 May 2028"
    assert reminder.data["explanation"].startswith("20 weeks because the area covers")
    assert "reg 6A" in reminder.data["legal_source"]
