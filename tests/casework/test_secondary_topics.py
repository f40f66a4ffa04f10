"""Secondary topics (DOMAIN.md, "Topics": one primary topic per enquiry, secondary topics
allowed): set by advisers where the topic is edited (page and API), checked in one service,
recorded in the history; routing breaks ties with them and says so; the demand report counts
them apart from the topic figures ("also about"), each figure linked to exactly its
enquiries. The public form does not offer them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casework.enquiry import services as enquiry_services
from casework.queue import selectors as queue_selectors
from casework.queue import services as queue_services
from casework.queue.routing import LOAD, SECONDARY, Candidate, choose_adviser
from casework.reports.registry import build_report
from enquiries.models import Enquiry, EnquiryEvent
from tests.casework.test_desk_views import unlabelled_controls
from tests.casework.test_reports import _follow_links, days_ago, enquiry, figures, period
from tests.factories import AdviserFactory

pytestmark = pytest.mark.django_db


def edit(enquiry_, actor, **changes) -> Enquiry:
    return enquiry_services.enquiry_edit(
        enquiry=enquiry_,
        expected_version=Enquiry.objects.get(pk=enquiry_.pk).version,
        changes=changes,
        actor=actor,
    )


def slugs(enquiry_) -> set[str]:
    return set(enquiry_.secondary_topics.values_list("slug", flat=True))


def api(enquiry_) -> str:
    return f"/api/v1/enquiries/{enquiry_.reference}/"


# --- the rule, in the service ----------------------------------------------------------------


def test_secondary_topics_are_saved_with_the_version_and_the_event(adviser, mine, topics):
    loaded = mine.version
    edit(mine, adviser.user, secondary_topics=[topics["funding-capital"], topics["governance"]])
    mine.refresh_from_db()
    assert slugs(mine) == {"funding-capital", "governance"}
    assert mine.version == loaded + 1
    event = EnquiryEvent.objects.filter(enquiry=mine, kind=EnquiryEvent.Kind.DETAILS_EDITED).get()
    assert event.actor == adviser.user
    assert event.data["fields"] == ["secondary_topics"]
    assert event.data["secondary_topics"] == {
        "from": [],
        "to": ["Funding: Capital for buying an asset", "Governance and legal structure"],
    }
    latest = mine.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == adviser.user
    assert latest.history_change_reason.startswith("Secondary topics: none → ")


def test_saving_the_same_secondary_topics_changes_nothing(adviser, mine, topics):
    edit(mine, adviser.user, secondary_topics=[topics["funding"]])
    version = Enquiry.objects.get(pk=mine.pk).version
    edit(mine, adviser.user, secondary_topics=[topics["funding"]])
    assert Enquiry.objects.get(pk=mine.pk).version == version


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (["acv-notice-of-sale"], "is the enquiry's topic: it cannot be a secondary topic"),
        (["funding", "funding"], "Name each secondary topic once."),
        (
            ["funding", "governance", "social-value", "other-powers"],
            f"Choose at most {Enquiry.SECONDARY_TOPICS_MAX} secondary topics.",
        ),
        (["not-a-topic"], "Choose secondary topics from the list."),
    ],
)
def test_refused_secondary_topics_say_why_and_save_nothing(adviser, mine, topics, chosen, message):
    version = mine.version
    values = [topics.get(slug, slug) for slug in chosen]
    with pytest.raises(ValidationError) as refused:
        edit(mine, adviser.user, secondary_topics=values)
    assert message in refused.value.message_dict["secondary_topics"][0]
    mine.refresh_from_db()
    assert mine.version == version and slugs(mine) == set()


def test_an_inactive_topic_cannot_be_a_secondary_topic(adviser, mine, topics):
    retired = topics["social-value"]
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        edit(mine, adviser.user, secondary_topics=[retired])


def test_making_a_secondary_topic_the_topic_is_refused(adviser, mine, topics):
    edit(mine, adviser.user, secondary_topics=[topics["funding"]])
    with pytest.raises(ValidationError) as refused:
        edit(mine, adviser.user, topic=topics["funding"])
    assert "cannot be a secondary topic" in refused.value.message_dict["secondary_topics"][0]
    # Both at once, the old topic becoming the secondary one: fine.
    edit(mine, adviser.user, topic=topics["funding"], secondary_topics=[topics["right-to-bid"]])
    mine.refresh_from_db()
    assert mine.topic == topics["funding"] and slugs(mine) == {"right-to-bid"}


def test_an_enquiry_without_a_topic_has_no_secondary_topics(adviser, mine, topics):
    with pytest.raises(ValidationError) as refused:
        edit(mine, adviser.user, topic=None, secondary_topics=[topics["funding"]])
    assert "Choose the enquiry's topic" in refused.value.message_dict["secondary_topics"][0]


# --- the edit page ---------------------------------------------------------------------------


def form_data(enquiry_, **changes) -> dict:
    data = {
        "version": enquiry_.version,
        "subject": enquiry_.subject,
        "topic": enquiry_.topic_id or "",
        "priority": enquiry_.priority,
        "asset_name": enquiry_.asset_name,
        "asset_address": enquiry_.asset_address,
        "local_authority": enquiry_.local_authority_id or "",
    }
    data.update(changes)
    return data


def test_the_edit_page_offers_labelled_checkboxes_in_a_fieldset(client, adviser, mine, topics):
    edit(mine, adviser.user, secondary_topics=[topics["funding"]])
    client.force_login(adviser.user)
    page = client.get(reverse("casework:enquiry_edit", args=[mine.reference])).text
    assert "<legend>Also about (secondary topics):</legend>" in page
    assert f'name="secondary_topics" value="{topics["funding"].pk}"' in page
    assert f'value="{topics["funding"].pk}" id="id_secondary_topics_' in page
    box = f'name="secondary_topics" value="{topics["funding"].pk}"'
    checked = page.split(box, 1)[1].split(">", 1)[0]
    assert "checked" in checked
    assert unlabelled_controls(page) == []


def test_the_page_saves_them_and_the_history_and_timeline_say_so(
    client, manager, adviser, mine, topics
):
    client.force_login(adviser.user)
    url = reverse("casework:enquiry_edit", args=[mine.reference])
    chosen = [topics["funding-capital"].pk, topics["governance"].pk]
    response = client.post(url, form_data(mine, secondary_topics=chosen))
    assert response.status_code == 302
    assert slugs(mine) == {"funding-capital", "governance"}

    page = client.get(reverse("casework:enquiry", args=[mine.reference])).text
    assert "<dt>Also about</dt>" in page
    assert str(topics["funding-capital"]) in page
    assert "Details edited: secondary topics (secondary topics now: Funding: Capital" in page

    client.force_login(manager.user)
    history = client.get(reverse("casework:enquiry_history", args=[mine.reference])).text
    assert "Secondary topics: none → " in history
    assert "Governance and legal structure" in history


def test_the_page_refuses_the_topic_as_a_secondary_topic_with_the_message(
    client, adviser, mine, topics
):
    client.force_login(adviser.user)
    url = reverse("casework:enquiry_edit", args=[mine.reference])
    response = client.post(url, form_data(mine, secondary_topics=[mine.topic_id]))
    assert response.status_code == 400
    assert "it cannot be a secondary topic as well" in response.text
    assert slugs(mine) == set()


def test_the_public_form_does_not_offer_secondary_topics(client):
    page = client.get(reverse("enquiries:enquire")).text
    assert 'name="topic"' in page
    assert "secondary_topics" not in page


# --- the API ---------------------------------------------------------------------------------


def test_api_shows_and_sets_secondary_topics_by_slug(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    got = api_client.get(api(mine))
    assert got.status_code == 200 and got.json()["secondary_topics"] == []
    response = api_client.patch(
        api(mine),
        {"secondary_topics": ["funding", "gov-structure"]},
        format="json",
        headers={"If-Match": got["ETag"]},
    )
    assert response.status_code == 200, response.json()
    assert sorted(response.json()["secondary_topics"]) == ["funding", "gov-structure"]
    assert sorted(api_client.get(api(mine)).json()["secondary_topics"]) == [
        "funding",
        "gov-structure",
    ]
    cleared = api_client.patch(
        api(mine), {"version": response.json()["version"], "secondary_topics": []}, format="json"
    )
    assert cleared.status_code == 200 and cleared.json()["secondary_topics"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"secondary_topics": ["no-such-topic"]}, "No topic in use has the slug no-such-topic."),
        ({"secondary_topics": ["funding", "funding"]}, "Name each secondary topic once."),
        ({"secondary_topics": ["acv-notice-of-sale"]}, "cannot be a secondary topic as well"),
        ({"secondary_topics": "funding"}, None),
    ],
)
def test_api_refuses_bad_secondary_topics_with_a_json_400(api_client, adviser, mine, body, message):
    api_client.force_authenticate(adviser.user)
    response = api_client.patch(api(mine), {"version": mine.version, **body}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()["secondary_topics"]
    if message:
        assert message in " ".join(map(str, errors))
    assert slugs(mine) == set()
    assert Enquiry.objects.get(pk=mine.pk).version == mine.version


def test_api_secondary_topics_keep_the_version_check_and_the_visibility(
    api_client, adviser, mine, theirs
):
    api_client.force_authenticate(adviser.user)
    stale = api_client.patch(
        api(mine), {"version": mine.version + 5, "secondary_topics": ["funding"]}, format="json"
    )
    assert stale.status_code == 409 and slugs(mine) == set()
    hidden = api_client.patch(
        api(theirs), {"version": theirs.version, "secondary_topics": ["funding"]}, format="json"
    )
    assert hidden.status_code == 404 and slugs(theirs) == set()


# --- routing: the tie-breaker ----------------------------------------------------------------


def candidate(adviser_id: int, **overrides) -> Candidate:
    values = {
        "adviser_id": adviser_id,
        "name": f"Adviser {adviser_id}",
        "has_expertise": True,
        "covers_area": True,
        "open_count": 2,
        "capacity": 10,
        "is_away": False,
    }
    return Candidate(**(values | overrides))


def test_tied_on_area_and_load_the_adviser_covering_more_secondary_topics_wins():
    decision = choose_adviser(
        [candidate(1), candidate(2, secondary_covered=("Funding",))],
        topic_label="Right to Bid",
        area_label="West Lindsey",
        secondary_count=2,
    )
    assert decision.chosen.adviser_id == 2 and decision.deciding_rule == SECONDARY
    assert (
        "decided by the secondary topics: Adviser 2 covers 1 of 2 secondary topics (Funding), "
        "Adviser 1 covers 0 of 2 secondary topics" in decision.explanation
    )
    behind = next(v for v in decision.verdicts if v.candidate.adviser_id == 1)
    assert "covers 0 of 2 secondary topics" in behind.reason
    assert "decided by the secondary topics" in behind.reason


def test_secondary_topics_never_outweigh_load():
    decision = choose_adviser(
        [candidate(1), candidate(2, open_count=3, secondary_covered=("Funding", "Governance"))],
        topic_label="Right to Bid",
        area_label="West Lindsey",
        secondary_count=2,
    )
    assert decision.chosen.adviser_id == 1 and decision.deciding_rule == LOAD


def test_without_secondary_topics_the_explanations_are_as_before():
    decision = choose_adviser(
        [candidate(1), candidate(2)], topic_label="Right to Bid", area_label="West Lindsey"
    )
    assert "secondary" not in decision.explanation
    assert all("secondary" not in v.reason for v in decision.verdicts)


@pytest.fixture
def tied(submit, manager, topics, areas):
    """An enquiry waiting in the queue (about funding and governance too), then two Right
    to Bid advisers covering its area with nothing open: only Bea knows about funding."""
    waiting = submit(topic="right-to-bid")
    assert waiting.assigned_to is None
    edit(waiting, manager.user, secondary_topics=[topics["funding-capital"], topics["governance"]])
    ada = AdviserFactory(
        first_name="Ada",
        topics=[topics["right-to-bid"]],
        local_authorities=[areas["west-lindsey"]],
    )
    bea = AdviserFactory(
        first_name="Bea",
        topics=[topics["right-to-bid"], topics["funding"]],
        local_authorities=[areas["west-lindsey"]],
    )
    return waiting, ada, bea


def test_routing_explains_the_secondary_topic_tie_break(tied, client, manager):
    waiting, ada, bea = tied
    decision = queue_services.routing_decision(enquiry=Enquiry.objects.get(pk=waiting.pk))
    assert decision.chosen.adviser_id == bea.pk and decision.deciding_rule == SECONDARY
    assert decision.chosen.secondary_covered == ("Funding: Capital for buying an asset",)
    client.force_login(manager.user)
    page = client.get(reverse("casework:enquiry", args=[waiting.reference])).text
    assert "Why this adviser?" in page
    assert f"Routed to {bea.name}" in page
    assert "so decided by the secondary topics" in page
    assert "covers 1 of 2 secondary topics" in page


def test_routing_candidates_stay_one_query_with_secondary_topics(
    tied, topics, areas, django_assert_num_queries
):
    chosen = [topics["funding-capital"], topics["governance"], topics["social-value"]]
    with django_assert_num_queries(1):
        found = queue_selectors.routing_candidates(
            topic=topics["right-to-bid"],
            local_authority=areas["west-lindsey"],
            secondary_topics=chosen,
        )
    covered = {c.adviser_id: c.secondary_covered for c in found}
    assert covered[tied[2].pk] == ("Funding: Capital for buying an asset",)
    assert covered[tied[1].pk] == ()


# --- the demand report -----------------------------------------------------------------------


@pytest.fixture
def also_about(topics, areas):
    """Funding: one enquiry this period (two secondary topics under Funding: counted once)
    and one before; one funding enquiry whose secondary topic is under Funding too (in the
    topic figures, not "also about"). Governance: one this period."""
    planning = enquiry(topic=topics["np-getting-started"], local_authority=areas["bassetlaw"])
    planning.secondary_topics.set([topics["funding-np-grants"], topics["funding-capital"]])
    money = enquiry(topic=topics["funding-revenue"], local_authority=areas["bassetlaw"])
    money.secondary_topics.set([topics["funding-capital"], topics["gov-structure"]])
    earlier = enquiry(topic=topics["right-to-bid"], received_at=days_ago(35))
    earlier.secondary_topics.set([topics["funding"]])
    enquiry(topic=topics["funding"])  # no secondary topics
    return planning, money, earlier


def test_demand_counts_secondary_topics_apart_from_the_topics(also_about, manager):
    report = build_report("demand", period(), user=manager.user)
    assert figures(report.table("also_about")) == {
        "Funding": [1, 1],
        "Governance and legal structure": [1, 0],
    }
    # The topic figures are as they would be without secondary topics.
    growth = {row[0].value: row[1].value for row in report.table("guidance_gaps").rows}
    assert growth["Funding"] == 2  # funding-revenue and funding, this period


def test_each_also_about_figure_links_to_exactly_its_enquiries(also_about, client, manager):
    client.force_login(manager.user)
    report = build_report("demand", period(), user=manager.user)
    assert _follow_links(client, report, ["also_about"]) == {"also_about": 4}
