"""Cases: opening one from an enquiry, the case page and list, status, enquiries, the API.

For every page, action and endpoint: success, anonymous, someone else's record (404),
wrong role (403) and invalid input (400, nothing saved); query counts at two sizes.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.cases import services as services
from casework.clocks.services import key_date_record
from casework.models import Case, CaseEnquiry, CaseEvent, Deadline, KeyDate, Outcome
from casework.queue.services import enquiry_assign
from tests.casework.test_desk_views import unlabelled_controls

pytestmark = pytest.mark.django_db

CASES = reverse("casework:cases")


@pytest.fixture
def case(mine, adviser):
    return services.case_open_from_enquiry(enquiry=mine, actor=adviser.user, title="Red Lion bid")


def case_url(case, name: str = "case") -> str:
    return reverse(f"casework:{name}", args=[case.pk])


def open_url(enquiry) -> str:
    return reverse("casework:case_open", args=[enquiry.reference])


def close_case_outcome(case, enquiry, actor) -> Outcome:
    return services.outcome_record(enquiry=enquiry, actor=actor, code="asset_transferred")


# --- opening a case --------------------------------------------------------------------------


def test_an_adviser_opens_a_case_from_an_enquiry(client, adviser, mine):
    client.force_login(adviser.user)
    assert (
        "Open a case"
        in client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    )
    response = client.post(open_url(mine), {"case-title": " Red Lion bid ", "case-plan_name": ""})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case_url(case)
    assert case.title == "Red Lion bid" and case.lead_adviser == adviser
    assert case.status == Case.Status.OPEN and case.asset_name == "The Red Lion"
    assert CaseEnquiry.objects.get().enquiry == mine
    [event] = CaseEvent.objects.filter(case=case)
    assert event.kind == CaseEvent.Kind.OPENED and event.actor == adviser.user
    assert case.number == f"CASE-{case.pk:04d}"


def test_an_enquiry_already_in_a_case_cannot_open_another(client, adviser, mine, case):
    client.force_login(adviser.user)
    response = client.post(open_url(mine), {"case-title": "Another"})
    assert response.status_code == 400
    assert "already in case" in response.content.decode()
    assert Case.objects.count() == 1


def test_a_case_needs_a_title(client, adviser, mine):
    client.force_login(adviser.user)
    response = client.post(open_url(mine), {"case-title": "   "})
    assert response.status_code == 400
    assert "The case was not opened" in response.content.decode()
    assert not Case.objects.exists()


def test_opening_a_case_needs_sign_in_a_role_and_the_enquiry(client, outsider, other_adviser, mine):
    data = {"case-title": "Red Lion bid"}
    response = client.post(open_url(mine), data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.post(open_url(mine), data).status_code == 403
    client.force_login(other_adviser.user)
    assert client.post(open_url(mine), data).status_code == 404
    assert not Case.objects.exists()


# --- the case page ---------------------------------------------------------------------------


def test_the_case_page_shows_enquiries_lead_status_outcomes_and_timeline(
    client, adviser, mine, case
):
    close_case_outcome(case, mine, adviser.user)
    client.force_login(adviser.user)
    response = client.get(case_url(case))
    assert response.status_code == 200
    body = response.content.decode()
    assert mine.reference in body and "Red Lion bid" in body and adviser.name in body
    assert '<span class="status">Open</span>' in body
    assert "Result: asset bought or transferred into community ownership" in body
    assert "Case opened" in body and f"{mine.reference}: Received" in body
    assert unlabelled_controls(body) == []


def test_the_case_page_needs_sign_in_a_role_and_the_case(client, outsider, other_adviser, case):
    response = client.get(case_url(case))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.get(case_url(case)).status_code == 403
    client.force_login(other_adviser.user)
    assert client.get(case_url(case)).status_code == 404
    assert client.get(reverse("casework:case", args=[999999])).status_code == 404


def test_a_teammate_who_sees_the_enquiry_sees_the_case(client, teammate, case):
    client.force_login(teammate.user)
    response = client.get(case_url(case))
    assert response.status_code == 200
    assert response.context["status_form"] is None  # not the lead


# --- case status -----------------------------------------------------------------------------


def test_the_lead_puts_the_case_on_hold(client, adviser, case):
    client.force_login(adviser.user)
    response = client.post(case_url(case, "case_status"), {"status": "on_hold"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.ON_HOLD
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.STATUS_CHANGED)
    assert event.data == {"from": "open", "to": "on_hold"}
    assert "Case status changed from Open to On hold" in client.get(case_url(case)).content.decode()


def test_closing_a_case_without_an_outcome_is_refused(client, adviser, case):
    client.force_login(adviser.user)
    response = client.post(case_url(case, "case_status"), {"status": "closed"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The case status was not changed" in body and "Record an outcome on the case" in body
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN and case.closed_at is None


def test_an_outcome_recorded_on_the_case_lets_it_close(client, adviser, mine, case):
    client.force_login(adviser.user)
    data = {"outcome-enquiry": mine.reference, "outcome-code": "nomination_made"}
    assert client.post(case_url(case, "case_outcome"), data).status_code == 302
    assert Outcome.objects.get().case == case
    assert client.post(case_url(case, "case_status"), {"status": "closed"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.closed_at is not None


@pytest.mark.parametrize(
    "data, field",
    [
        ({"outcome-code": "lottery_win"}, "code"),
        ({"outcome-code": "referred", "outcome-referred_to": "Plunkett UK"}, "consent_to_refer"),
        ({"outcome-code": "nomination_made", "outcome-enquiry": "CR-2026-999999"}, "enquiry"),
    ],
)
def test_an_unusable_case_outcome_is_a_400(client, adviser, mine, case, data, field):
    client.force_login(adviser.user)
    response = client.post(
        case_url(case, "case_outcome"), {"outcome-enquiry": mine.reference, **data}
    )
    assert response.status_code == 400
    assert response.context["outcome_form"].errors[field]
    assert not Outcome.objects.exists()


@pytest.mark.parametrize("value", ["", "finished"])
def test_an_unknown_case_status_is_a_400(client, adviser, case, value):
    client.force_login(adviser.user)
    assert client.post(case_url(case, "case_status"), {"status": value}).status_code == 400
    assert Case.objects.get().status == Case.Status.OPEN


def test_case_status_roles(client, outsider, teammate, other_adviser, manager, case):
    url = case_url(case, "case_status")
    assert client.post(url, {"status": "on_hold"}).status_code == 302  # to sign in
    client.force_login(outsider)
    assert client.post(url, {"status": "on_hold"}).status_code == 403
    client.force_login(other_adviser.user)
    assert client.post(url, {"status": "on_hold"}).status_code == 404
    client.force_login(teammate.user)
    assert client.post(url, {"status": "on_hold"}).status_code == 403
    assert Case.objects.get().status == Case.Status.OPEN
    client.force_login(manager.user)
    assert client.post(url, {"status": "on_hold"}).status_code == 302
    assert Case.objects.get().status == Case.Status.ON_HOLD


# --- adding enquiries ------------------------------------------------------------------------


def test_another_enquiry_is_added_to_the_case(client, adviser, submit, case):
    second = submit(subject="The Red Lion car park")
    client.force_login(adviser.user)
    response = client.post(case_url(case, "case_add_enquiry"), {"reference": second.reference})
    assert response.status_code == 302
    assert CaseEnquiry.objects.filter(case=case).count() == 2
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ENQUIRY_ADDED).exists()


def test_an_enquiry_in_another_case_cannot_be_added(client, adviser, submit, case):
    second = submit(subject="Another building")
    other = services.case_open_from_enquiry(enquiry=second, actor=adviser.user, title="Other")
    client.force_login(adviser.user)
    response = client.post(case_url(case, "case_add_enquiry"), {"reference": second.reference})
    assert response.status_code == 400
    assert f"already in case {other.number}" in response.content.decode()
    assert CaseEnquiry.objects.get(enquiry=second).case == other


@pytest.mark.parametrize("reference", ["", "CR-2026-999999", "nonsense"])
def test_an_unknown_or_invisible_reference_is_a_400(client, adviser, case, reference):
    client.force_login(adviser.user)
    response = client.post(case_url(case, "case_add_enquiry"), {"reference": reference})
    assert response.status_code == 400
    assert CaseEnquiry.objects.count() == 1


def test_someone_elses_enquiry_cannot_be_added(client, adviser, theirs, case):
    client.force_login(adviser.user)
    response = client.post(case_url(case, "case_add_enquiry"), {"reference": theirs.reference})
    assert response.status_code == 400
    assert not CaseEnquiry.objects.filter(enquiry=theirs).exists()


def test_the_service_refuses_an_enquiry_already_in_a_case(adviser, mine, case):
    with pytest.raises(ValidationError):
        services.case_add_enquiry(case=case, enquiry=mine, actor=adviser.user)


# --- the case list ---------------------------------------------------------------------------


def test_the_case_list_shows_mine_and_all_for_managers(
    client, adviser, manager, theirs, other_adviser, case
):
    services.case_open_from_enquiry(enquiry=theirs, actor=other_adviser.user, title="Our plan")
    client.force_login(adviser.user)
    body = client.get(CASES).content.decode()
    assert "Red Lion bid" in body and "Our plan" not in body
    assert "Our plan" not in client.get(CASES, {"show": "all"}).content.decode()
    client.force_login(manager.user)
    assert "Cases I lead" in client.get(CASES).content.decode()
    everything = client.get(CASES, {"show": "all"}).content.decode()
    assert "Red Lion bid" in everything and "Our plan" in everything and "All cases" in everything


def test_the_case_list_needs_sign_in_and_a_role(client, outsider):
    assert client.get(CASES).status_code == 302
    client.force_login(outsider)
    assert client.get(CASES).status_code == 403


def many_cases(adviser, submit, count: int) -> list[Case]:
    made = []
    for number in range(count):
        enquiry = submit(subject=f"Building {number}")
        made.append(
            services.case_open_from_enquiry(
                enquiry=enquiry, actor=adviser.user, title=f"Case {number}"
            )
        )
    return made


def test_the_case_list_runs_a_constant_number_of_queries(
    client, adviser, submit, django_assert_num_queries
):
    many_cases(adviser, submit, 1)
    client.force_login(adviser.user)
    with CaptureQueriesContext(connection) as one:
        client.get(CASES)
    many_cases(adviser, submit, 6)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(CASES)
    assert len(response.context["page"].object_list) == 7


def test_the_case_page_runs_a_constant_number_of_queries(
    client, adviser, manager, submit, mine, case, django_assert_num_queries
):
    client.force_login(adviser.user)
    client.get(case_url(case))  # the reference lists are read once, then held
    with CaptureQueriesContext(connection) as one:
        client.get(case_url(case))
    for number in range(5):
        enquiry = submit(subject=f"Part {number}")
        services.case_add_enquiry(case=case, enquiry=enquiry, actor=adviser.user)
        services.outcome_record(enquiry=enquiry, actor=adviser.user, code="signposted")
        key_date_record(
            enquiry=enquiry,
            trigger="disposal-notice-received",
            date=date(2026, 3, 2),
            actor=manager.user,
        )
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(case_url(case))
    assert len(response.context["enquiries"]) == 6 and len(response.context["outcomes"]) == 5


# --- key dates on a case ----------------------------------------------------------------------

NOTICE = "disposal-notice-received"


def key_date_data(on, **overrides) -> dict:
    data = {"enquiry": on.reference, "trigger": NOTICE, "date": "2026-03-02", "note": ""}
    return {f"key_date-{name}": value for name, value in {**data, **overrides}.items()}


def test_a_key_date_recorded_on_a_case_starts_its_enquirys_clocks(client, adviser, mine, case):
    client.force_login(adviser.user)
    response = client.post(case_url(case, "case_key_date"), key_date_data(mine))
    assert response.status_code == 302 and response["Location"].endswith("#key-dates-heading")
    key_date = KeyDate.objects.get()
    assert (key_date.enquiry, key_date.date) == (mine, date(2026, 3, 2))
    # DOMAIN.md's worked example, on the case page, and the clocks run on the enquiry.
    body = client.get(case_url(case)).content.decode()
    for end in ("Sunday 12 April 2026", "Tuesday 1 September 2026", "Wednesday 1 September 2027"):
        assert end in body
    assert mine.reference in body
    assert set(Deadline.objects.filter(enquiry=mine).values_list("ends_on", flat=True)) >= {
        date(2026, 4, 12),
        date(2026, 9, 1),
        date(2027, 9, 1),
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"trigger": "no-such-event"}, "Choose a key date from the list"),
        ({"date": "3000-01-01"}, "more than a year ahead"),
        ({"date": "2026-02-30"}, "Enter a real date"),
        ({"enquiry": "CR-2026-999999"}, "Choose one of this case&#x27;s enquiries"),
    ],
)
def test_an_unusable_case_key_date_is_a_400_and_nothing_is_saved(
    client, adviser, mine, case, overrides, message
):
    client.force_login(adviser.user)
    response = client.post(case_url(case, "case_key_date"), key_date_data(mine, **overrides))
    assert response.status_code == 400
    body = response.content.decode()
    assert "The key date was not recorded" in body and message in body
    assert not KeyDate.objects.exists() and not Deadline.objects.exists()


def test_an_enquiry_of_the_case_held_by_someone_else_is_not_offered(
    client, adviser, teammate, manager, submit, mine, case
):
    other = submit(subject="Another part")
    services.case_add_enquiry(case=case, enquiry=other, actor=adviser.user)
    enquiry_assign(enquiry=other, adviser=teammate, actor=manager.user)
    client.force_login(adviser.user)
    choices = dict(client.get(case_url(case)).context["key_date_form"].fields["enquiry"].choices)
    assert list(choices) == [mine.reference]
    response = client.post(case_url(case, "case_key_date"), key_date_data(other))
    assert response.status_code == 400 and not KeyDate.objects.exists()


def test_case_key_dates_need_sign_in_a_role_and_the_case(
    client, outsider, other_adviser, teammate, mine, case
):
    url = case_url(case, "case_key_date")
    assert client.post(url, key_date_data(mine)).status_code == 302  # to sign in
    client.force_login(outsider)
    assert client.post(url, key_date_data(mine)).status_code == 403
    client.force_login(other_adviser.user)
    assert client.post(url, key_date_data(mine)).status_code == 404
    client.force_login(teammate.user)  # sees the case, holds none of its enquiries
    assert client.get(case_url(case)).context["key_date_form"] is None
    assert client.post(url, key_date_data(mine)).status_code == 403
    assert not KeyDate.objects.exists()


# --- the API ---------------------------------------------------------------------------------


def test_cases_are_opened_listed_and_read_through_the_api(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(
        "/api/v1/cases/", {"enquiry": mine.reference, "title": "Red Lion bid"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["enquiries"] == [mine.reference] and body["lead_adviser"] == adviser.name
    listed = api_client.get("/api/v1/cases/").json()
    assert listed["count"] == 1 and listed["results"][0]["number"] == body["number"]
    detail = api_client.get(f"/api/v1/cases/{body['id']}/").json()
    assert detail["title"] == "Red Lion bid" and detail["outcomes"] == []


@pytest.mark.parametrize(
    "data, field",
    [({"title": ""}, "title"), ({"title": "x" * 201}, "title"), ({}, "title")],
)
def test_opening_a_case_with_unusable_input_is_a_400(api_client, adviser, mine, data, field):
    api_client.force_authenticate(adviser.user)
    response = api_client.post("/api/v1/cases/", {"enquiry": mine.reference, **data}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Case.objects.exists()


def test_opening_a_second_case_for_an_enquiry_is_a_400(api_client, adviser, mine, case):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(
        "/api/v1/cases/", {"enquiry": mine.reference, "title": "Again"}, format="json"
    )
    assert response.status_code == 400 and "already in case" in response.json()["enquiry"][0]
    assert Case.objects.count() == 1


def test_case_api_visibility_and_roles(api_client, outsider, other_adviser, adviser, mine, case):
    detail = f"/api/v1/cases/{case.pk}/"
    assert api_client.get("/api/v1/cases/").status_code in (401, 403)
    assert api_client.get(detail).status_code in (401, 403)
    api_client.force_authenticate(outsider)
    assert api_client.get(detail).status_code == 403
    open_body = {"enquiry": mine.reference, "title": "x"}
    assert api_client.post("/api/v1/cases/", open_body, format="json").status_code == 403
    api_client.force_authenticate(other_adviser.user)
    assert api_client.get(detail).status_code == 404
    assert api_client.get("/api/v1/cases/", {"show": "all"}).json()["count"] == 0
    assert api_client.post("/api/v1/cases/", open_body, format="json").status_code == 404
    assert api_client.post(f"{detail}status/", {"status": "on_hold"}).status_code == 404


def test_case_status_through_the_api(api_client, adviser, teammate, mine, case):
    url = f"/api/v1/cases/{case.pk}/status/"
    api_client.force_authenticate(teammate.user)
    assert api_client.post(url, {"status": "on_hold"}, format="json").status_code == 403
    api_client.force_authenticate(adviser.user)
    assert api_client.post(url, {"status": "finished"}, format="json").status_code == 400
    refused = api_client.post(url, {"status": "closed"}, format="json")
    assert refused.status_code == 400 and "Record an outcome" in refused.json()["status"][0]
    assert Case.objects.get().status == Case.Status.OPEN
    close_case_outcome(case, mine, adviser.user)
    response = api_client.post(url, {"status": "closed"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert len(response.json()["outcomes"]) == 1


def test_case_key_dates_through_the_api(api_client, adviser, teammate, theirs, mine, case):
    url = f"/api/v1/cases/{case.pk}/key-dates/"
    body = {"enquiry": mine.reference, "trigger": NOTICE, "date": "2026-03-02"}
    api_client.force_authenticate(adviser.user)
    assert api_client.get(url).json() == []
    response = api_client.post(url, body, format="json")
    assert response.status_code == 201
    [key_date] = response.json()
    assert key_date["enquiry"] == mine.reference
    assert {d["rule"]: d["end"] for d in key_date["deadlines"]}["acv-interim-moratorium"] == (
        "2026-04-12"
    )
    assert api_client.get(url).json() == response.json()
    # Bad input: a 400 with the field, nothing saved.
    for bad, field in [
        ({**body, "enquiry": theirs.reference}, "enquiry"),
        ({**body, "date": "2026-03-03", "trigger": "nothing"}, "trigger"),
        ({**body, "date": "3000-01-01"}, "date"),
        ({"trigger": NOTICE, "date": "2026-03-02"}, "enquiry"),
    ]:
        response = api_client.post(url, bad, format="json")
        assert response.status_code == 400 and field in response.json(), bad
    assert KeyDate.objects.count() == 1
    api_client.force_authenticate(teammate.user)  # sees the case, holds none of it
    assert api_client.get(url).status_code == 200
    assert api_client.post(url, {**body, "date": "2026-03-05"}, format="json").status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get(url).status_code in (401, 403)
    assert KeyDate.objects.count() == 1
