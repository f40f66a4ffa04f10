"""The clock calculator (/desk/clock/) and the clocks API: rules, calculator, key dates."""

from datetime import date

import pytest
from django.urls import reverse

from casework.clocks import services as clocks_services
from casework.models import Deadline, KeyDate
from enquiries.models import EnquiryEvent
from tests.casework.test_desk_views import unlabelled_controls
from tests.factories import AdviserFactory

pytestmark = pytest.mark.django_db

CLOCK_PAGE = reverse("casework:clock")
RULES = "/api/v1/deadline-rules/"
CLOCK = "/api/v1/clock/"
NOTICE = "disposal-notice-received"


def key_dates_url(enquiry) -> str:
    return f"/api/v1/enquiries/{enquiry.reference}/key-dates/"


# --- the calculator page -------------------------------------------------------------------


def test_calculator_form_is_labelled_and_works_without_javascript(client, adviser):
    client.force_login(adviser.user)
    response = client.get(CLOCK_PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'method="get"' in body and "<script" not in body.split("<main", 1)[-1]
    assert unlabelled_controls(body) == []
    assert "Case record retention review" in body  # any active clock can be worked out


def test_calculator_gives_the_end_with_the_sum_and_the_source(client, adviser):
    client.force_login(adviser.user)
    response = client.get(CLOCK_PAGE, {"rule": "acv-full-moratorium", "start": "2026-03-02"})
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "Tuesday 1 September 2026",
        "6 months beginning with 2 March 2026 (that day is day 1)",
        "Localism Act 2011 s.95(6)",
        "The owner may sell to anyone",
    ):
        assert text in body, text
    assert "Check the source" not in body


def test_calculator_shows_the_earlier_reading_of_a_disputed_rule(client, adviser):
    client.force_login(adviser.user)
    body = client.get(
        CLOCK_PAGE, {"rule": "acv-compensation-claim", "start": "2026-03-02"}
    ).content.decode()
    # 13 weeks from 2 March 2026 is 1 June; beginning with, 31 May: the earlier is shown.
    assert "Sunday 31 May 2026" in body and "Monday 1 June 2026" in body
    assert "Check the source" in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rule": "no-such-rule", "start": "2026-03-02"}, "Choose a clock from the list"),
        ({"rule": "acv-listing", "start": "2026-13-01"}, "Enter a real date"),
        ({"rule": "acv-listing"}, "This field is required"),
        # Python's calendar ends in 9999 and starts in year 1: refused, never a 500.
        ({"rule": "acv-protected-period", "start": "9999-06-01"}, "within 100 years of today"),
        ({"rule": "acv-listing", "start": "0001-01-01"}, "within 100 years of today"),
    ],
)
def test_calculator_bad_input_is_a_400_with_an_error_summary(client, adviser, params, message):
    client.force_login(adviser.user)
    response = client.get(CLOCK_PAGE, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert "The end date could not be worked out" in body and message in body
    assert response.context["result"] is None


def test_calculator_needs_sign_in_and_a_desk_role(client, outsider):
    response = client.get(CLOCK_PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.get(CLOCK_PAGE).status_code == 403


# --- GET /api/v1/deadline-rules/ -----------------------------------------------------------


def test_rules_list_has_every_active_rule_with_its_fields(api_client, adviser):
    api_client.force_authenticate(adviser.user)
    response = api_client.get(RULES)
    assert response.status_code == 200
    results = {r["slug"]: r for r in response.json()["results"]}
    assert len(results) == 24  # DOMAIN.md's 20 and the 4 triggers added for issue 19
    interim = results["acv-interim-moratorium"]
    assert interim["trigger"] == NOTICE
    assert interim["length"] == 6 and interim["unit"] == "weeks"
    assert interim["counting"] == "beginning_with"
    assert interim["legal_source"] == "Localism Act 2011 s.95(6)"
    assert interim["verification"] == "V" and not interim["needs_source_check"]
    assert results["crtc-timescale-notice"]["needs_source_check"]


def test_rules_list_needs_a_desk_role(api_client, outsider):
    assert api_client.get(RULES).status_code in (401, 403)
    api_client.force_authenticate(outsider)
    assert api_client.get(RULES).status_code == 403


# --- POST /api/v1/clock/ -------------------------------------------------------------------


def test_clock_api_computes_the_worked_example(api_client, adviser):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(
        CLOCK, {"rule": "acv-interim-moratorium", "start": "2026-03-02"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "rule": "acv-interim-moratorium",
        "start": "2026-03-02",
        "end": "2026-04-12",
        "explanation": "6 weeks beginning with 2 March 2026 (that day is day 1) ends on "
        "Sunday 12 April 2026.",
        "legal_source": "Localism Act 2011 s.95(6)",
        "verification": "V",
        "needs_source_check": False,
        "earlier_reading": False,
        "variant": None,
        "readings": [],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rule": "no-such-rule", "start": "2026-03-02"}, "rule"),
        ({"rule": "acv-listing", "start": "2026-02-30"}, "start"),
        ({"rule": "acv-listing", "start": "soon"}, "start"),
        ({"start": "2026-03-02"}, "rule"),
        ({"rule": "acv-protected-period", "start": "9999-06-01"}, "start"),
        ({"rule": "acv-interim-moratorium", "start": "0001-01-01"}, "start"),
    ],
)
def test_clock_api_bad_input_is_a_400_with_field_detail(api_client, adviser, body, field):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(CLOCK, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_clock_api_needs_a_desk_role(api_client, outsider):
    body = {"rule": "acv-listing", "start": "2026-03-02"}
    assert api_client.post(CLOCK, body, format="json").status_code in (401, 403)
    api_client.force_authenticate(outsider)
    assert api_client.post(CLOCK, body, format="json").status_code == 403


# --- /api/v1/enquiries/<reference>/key-dates/ ------------------------------------------------


@pytest.mark.usefixtures("working_day")  # after 12 April 2026: the first deadline has passed
def test_adviser_records_a_key_date_through_the_api(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(
        key_dates_url(mine), {"trigger": NOTICE, "date": "2026-03-02"}, format="json"
    )
    assert response.status_code == 201
    [key_date] = response.json()
    assert key_date["trigger"] == NOTICE and key_date["date"] == "2026-03-02"
    ends = {d["rule"]: d["end"] for d in key_date["deadlines"]}
    assert ends == {
        "acv-interim-moratorium": "2026-04-12",
        "acv-full-moratorium": "2026-09-01",
        "acv-protected-period": "2027-09-01",
    }
    first = key_date["deadlines"][0]
    assert first["legal_source"] == "Localism Act 2011 s.95(6)"
    assert first["status"] == "passed" and first["days_left"] < 0
    assert mine.events.filter(kind=EnquiryEvent.Kind.KEY_DATE_RECORDED).count() == 1
    listed = api_client.get(key_dates_url(mine))
    assert listed.status_code == 200 and listed.json() == response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"trigger": "no-such-trigger", "date": "2026-03-02"}, "trigger"),
        ({"trigger": "case-closed", "date": "2026-03-02"}, "trigger"),
        ({"trigger": NOTICE, "date": "2099-03-02"}, "date"),
        ({"trigger": NOTICE, "date": "1900-03-02"}, "date"),
        ({"trigger": NOTICE, "date": "02/03/2026"}, "date"),
    ],
)
def test_bad_key_dates_are_a_400_and_nothing_is_saved(api_client, adviser, mine, body, field):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(key_dates_url(mine), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not KeyDate.objects.exists()


def test_key_dates_api_permissions(api_client, adviser, outsider, mine, theirs, teams):
    body = {"trigger": NOTICE, "date": "2026-03-02"}
    assert api_client.get(key_dates_url(mine)).status_code in (401, 403)
    api_client.force_authenticate(outsider)
    assert api_client.get(key_dates_url(mine)).status_code == 403
    assert api_client.post(key_dates_url(mine), body, format="json").status_code == 403
    api_client.force_authenticate(adviser.user)
    assert api_client.get(key_dates_url(theirs)).status_code == 404
    assert api_client.post(key_dates_url(theirs), body, format="json").status_code == 404
    teammate = AdviserFactory(first_name="Tess", teams=[teams["assets"]])
    api_client.force_authenticate(teammate.user)
    assert api_client.get(key_dates_url(mine)).status_code == 200
    assert api_client.post(key_dates_url(mine), body, format="json").status_code == 403
    assert not KeyDate.objects.exists()


def test_manager_records_on_any_enquiry(api_client, manager, theirs):
    api_client.force_authenticate(manager.user)
    response = api_client.post(
        key_dates_url(theirs),
        {"trigger": "forum-designated", "date": "2026-03-02", "note": "Council decision"},
        format="json",
    )
    assert response.status_code == 201
    [key_date] = response.json()
    assert key_date["note"] == "Council decision"
    assert [d["end"] for d in key_date["deadlines"]] == ["2031-03-01"]
    clocks_services.key_date_remove(key_date=KeyDate.objects.get(), actor=manager.user)
    assert api_client.get(key_dates_url(theirs)).json() == []


def test_unknown_reference_is_not_found(api_client, adviser):
    api_client.force_authenticate(adviser.user)
    assert api_client.get("/api/v1/enquiries/CR-2020-999999/key-dates/").status_code == 404


def test_a_key_date_entered_in_error_is_removed_through_the_api(
    api_client, adviser, teams, mine, theirs
):
    key_date = clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user
    )
    url = f"{key_dates_url(mine)}{key_date.pk}/"
    teammate = AdviserFactory(first_name="Tess", teams=[teams["assets"]])
    api_client.force_authenticate(teammate.user)  # sees the enquiry, does not hold it
    assert api_client.delete(url).status_code == 403
    api_client.force_authenticate(adviser.user)
    assert api_client.delete(f"{key_dates_url(theirs)}{key_date.pk}/").status_code == 404
    assert api_client.delete(f"{key_dates_url(mine)}{key_date.pk + 1}/").status_code == 404
    assert KeyDate.objects.filter(pk=key_date.pk).exists() and Deadline.objects.exists()
    assert api_client.delete(url).status_code == 204
    assert not KeyDate.objects.exists() and not Deadline.objects.exists()
    assert mine.events.filter(kind=EnquiryEvent.Kind.KEY_DATE_REMOVED).count() == 1
