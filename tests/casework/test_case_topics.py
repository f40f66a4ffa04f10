"""What a case is about (a case has no topic of its own): its enquiries' topics and what they
are also about (secondary topics), each once, on the case page and in the case API, read in a
fixed number of queries however many enquiries the case holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.cases import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(mine, adviser):
    return services.case_open_from_enquiry(enquiry=mine, actor=adviser.user, title="Red Lion bid")


def _add(case, adviser, submit, topics, topic: str | None, also: list[str]):
    enquiry = submit(subject=f"About {topic}", topic=topic)
    enquiry.secondary_topics.set([topics[slug] for slug in also])
    services.case_add_enquiry(case=case, enquiry=enquiry, actor=adviser.user)
    return enquiry


def test_the_case_page_shows_each_topic_once_and_what_it_is_also_about(
    client, adviser, submit, topics, mine, case
):
    # mine: "Notice of sale" (acv-notice-of-sale), no secondary topics.
    mine.secondary_topics.set([topics["funding"], topics["governance"]])
    _add(case, adviser, submit, topics, "acv-notice-of-sale", ["governance", "acv-owner"])
    # An "also about" that is another enquiry's topic is listed once, as a topic.
    _add(case, adviser, submit, topics, "acv-owner", ["funding"])
    _add(case, adviser, submit, topics, None, [])
    client.force_login(adviser.user)
    response = client.get(reverse("casework:case", args=[case.pk]))
    found = response.context["topics"]
    assert [t.slug for t in found.primary] == ["acv-notice-of-sale", "acv-owner"]
    assert [t.slug for t in found.also_about] == ["funding", "governance"]
    body = response.content.decode()
    assert (
        "<dt>Topics</dt><dd>Right to Bid (assets of community value): Notice of sale and "
        "interim moratorium; Right to Bid (assets of community value): Owner enquiry"
    ) in body
    assert "<dt>Also about</dt><dd>Funding; Governance and legal structure</dd>" in body
    # Each enquiry's row: its topic, and its own "also about".
    assert "Also about: Funding; Governance and legal structure</span>" in body
    assert "<td>Not sure</td>" in body  # the enquiry whose group was not sure


def test_a_case_whose_enquiries_have_no_topic_says_so(client, adviser, submit):
    enquiry = submit(subject="Not sure what this is", topic=None)
    case = services.case_open_from_enquiry(enquiry=enquiry, actor=adviser.user, title="Unsure")
    client.force_login(adviser.user)
    body = client.get(reverse("casework:case", args=[case.pk])).content.decode()
    assert "<dt>Topics</dt><dd>Not set on its enquiries</dd>" in body
    assert "<dt>Also about</dt>" not in body


def test_the_case_page_reads_topics_in_the_same_queries_for_2_and_5_enquiries(
    client, adviser, submit, topics, case, django_assert_num_queries
):
    extra = ["governance", "funding", "acv-owner", "np-examination"]
    _add(case, adviser, submit, topics, "acv-owner", extra[:2])  # 2 enquiries
    client.force_login(adviser.user)
    client.get(reverse("casework:case", args=[case.pk]))  # fills the per-process lists
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("casework:case", args=[case.pk]))
    for n in range(3):  # 5 enquiries, each with other topics
        _add(case, adviser, submit, topics, "np-examination", extra[n : n + 2])
    with django_assert_num_queries(len(two.captured_queries)):
        response = client.get(reverse("casework:case", args=[case.pk]))
    assert len(response.context["enquiries"]) == 5
    assert len(response.context["topics"].primary) == 3


def test_the_case_api_gives_the_topics(api_client, adviser, submit, topics, mine, case):
    _add(case, adviser, submit, topics, "acv-owner", ["governance", "acv-notice-of-sale"])
    api_client.force_authenticate(adviser.user)
    answer = api_client.get(f"/api/v1/cases/{case.pk}/").json()
    assert answer["topics"] == {
        "primary": [
            "Right to Bid (assets of community value): Notice of sale and interim moratorium",
            "Right to Bid (assets of community value): Owner enquiry: review, appeal, compensation",
        ],
        "also_about": ["Governance and legal structure"],
    }
    assert "topics" not in api_client.get("/api/v1/cases/").json()["results"][0]
