"""The rights apply in England: an enquiry from Wales, Scotland or Northern Ireland is flagged
at triage with why, and waits for a referral instead of going to an adviser by topic."""

import pytest
from django.urls import reverse

from enquiries.models import Enquiry
from knowledgebase.jurisdiction import NOTES, outside_england
from knowledgebase.models import LocalAuthority, Nation, Region

pytestmark = pytest.mark.django_db


def test_the_councils_of_wales_scotland_and_northern_ireland_are_areas():
    counts = {
        nation: LocalAuthority.objects.filter(region__nation=nation).count()
        for nation in Nation.values
    }
    assert counts == {"england": 317, "wales": 22, "scotland": 32, "northern_ireland": 11}
    assert Region.objects.get(slug="wales").nation == Nation.WALES
    assert set(NOTES) == set(Nation.values) - {Nation.ENGLAND}


def test_the_flag_is_for_areas_outside_england_only():
    assert outside_england(nation="england", nation_name="England", area="Leeds") is None
    assert outside_england(nation=None, nation_name="", area="") is None
    flag = outside_england(nation="wales", nation_name="Wales", area="Cardiff")
    assert flag.summary == "Outside England: Cardiff is in Wales."
    assert "never commenced the Right to Bid" in flag.note
    assert "Localism Act 2011" in flag.source


def test_a_welsh_enquiry_waits_in_triage_with_the_reason_not_with_an_adviser(
    submit, teams, adviser
):
    enquiry = submit(local_authority="cardiff")  # a Right to Bid topic Ada would take
    assert enquiry.assigned_to is None
    assignment = enquiry.assignments.get(is_current=True)
    assert assignment.team == teams["triage"]
    assert assignment.reason.startswith("Outside England: Cardiff is in Wales.")
    assert "waiting in the" in assignment.reason and "for a referral" in assignment.reason

    english = submit(local_authority="west-lindsey")
    assert english.assigned_to == adviser.user  # England is routed as before


def test_the_enquiry_page_and_api_flag_it(client, api_client, submit, teams, manager):
    enquiry = submit(local_authority="glasgow-city")
    client.force_login(manager.user)
    page = client.get(reverse("casework:enquiry", args=[enquiry.reference])).content.decode()
    assert "Outside England: Glasgow City is in Scotland." in page
    assert "refer the group to advice in Scotland" in page

    api_client.force_authenticate(manager.user)
    body = api_client.get(f"/api/v1/enquiries/{enquiry.reference}/").json()
    assert body["outside_england"]["nation"] == "scotland"
    assert body["outside_england"]["area"] == "Glasgow City"

    english = submit()
    body = api_client.get(f"/api/v1/enquiries/{english.reference}/").json()
    assert body["outside_england"] is None
    page = client.get(reverse("casework:enquiry", args=[english.reference])).content.decode()
    assert "Outside England" not in page


def test_the_public_form_offers_the_areas_and_routes_by_them(client, enquiry_data, teams):
    form = client.get(reverse("enquiries:enquire")).content.decode()
    assert '<option value="belfast">Belfast</option>' in form
    response = client.post(
        reverse("enquiries:enquire"),
        {**enquiry_data, "local_authority": "belfast", "consent_to_store": "on"},
    )
    assert response.status_code == 302
    enquiry = Enquiry.objects.get()
    assert enquiry.local_authority.slug == "belfast" and enquiry.assigned_to is None
    assert "Northern Ireland" in enquiry.assignments.get(is_current=True).reason


# --- the staff queue ---------------------------------------------------------------------------

MARKER = '<strong class="badge badge-warn">Outside England<span class="visually-hidden">'


def _queue_row(body: str, reference: str) -> str:
    start = body.index(f">{reference}</a>")
    return body[start : body.index("</tr>", start)]


def test_the_queue_marks_enquiries_outside_england_in_words(client, adviser, topics, areas):
    from tests.factories import EnquiryFactory

    welsh = EnquiryFactory(assigned_to=adviser.user, local_authority=areas["cardiff"])
    irish = EnquiryFactory(assigned_to=adviser.user, local_authority=areas["belfast"])
    english = EnquiryFactory(assigned_to=adviser.user, local_authority=areas["west-lindsey"])
    unknown = EnquiryFactory(assigned_to=adviser.user, local_authority=None)
    client.force_login(adviser.user)
    body = client.get(reverse("casework:queue")).content.decode()
    row = _queue_row(body, welsh.reference)
    assert (
        f"Cardiff {MARKER}: the area is in Wales, where these rights do not apply</span></strong>"
    ) in row
    assert "the area is in Northern Ireland" in _queue_row(body, irish.reference)
    assert "Outside England" not in _queue_row(body, english.reference)
    assert "Outside England" not in _queue_row(body, unknown.reference)


def test_the_marker_adds_no_query_to_the_queue(
    client, adviser, topics, areas, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import EnquiryFactory

    def add(area: str, count: int) -> None:
        for _ in range(count):
            EnquiryFactory(
                assigned_to=adviser.user,
                topic=topics["acv-notice-of-sale"],
                local_authority=areas[area],
            )

    add("west-lindsey", 3)
    client.force_login(adviser.user)
    client.get(reverse("casework:queue"))  # the topic list is read once, then held
    with CaptureQueriesContext(connection) as english_only:
        body = client.get(reverse("casework:queue")).content.decode()
    assert "Outside England" not in body
    for area in ("cardiff", "glasgow-city", "belfast"):
        add(area, 4)
    with django_assert_num_queries(len(english_only.captured_queries)):
        body = client.get(reverse("casework:queue")).content.decode()
    assert body.count(MARKER) == 12
