"""Who may act under the Right to Bid: warnings on the enquiry page and in the letter
composer, from the group's type, with the source; never a block."""

import pytest
from django.urls import reverse

from enquiries.models import EnquirerType, Organisation
from knowledgebase.eligibility import (
    ACTS,
    FULL_MORATORIUM,
    NOMINATE,
    RULES,
    TEMPLATE_ACTS,
    TOPIC_ACTS,
    UNKNOWN_TYPE,
    Verdict,
    eligibility_warnings,
)
from knowledgebase.models import LetterTemplate, Topic
from tests.casework.test_letters_views import form_data, url, version


def test_every_enquirer_type_has_a_verdict_for_every_act():
    for act in ACTS:
        assert set(RULES[act.slug]) == set(EnquirerType.values), act.slug


@pytest.mark.django_db
def test_the_topics_and_templates_named_exist():
    assert set(TOPIC_ACTS) <= set(Topic.objects.values_list("slug", flat=True))
    assert set(TEMPLATE_ACTS) <= set(LetterTemplate.objects.values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("enquirer_type", "topic", "expected"),
    [
        # DOMAIN.md: a parish council may nominate and is a community interest group.
        ("parish_council", "acv-nomination", []),
        ("parish_council", "acv-notice-of-sale", []),
        # An unincorporated group may nominate (21 local voters) but not trigger the moratorium.
        ("community_group", "acv-nomination", [(NOMINATE, Verdict.CHECK)]),
        ("community_group", "acv-notice-of-sale", [(FULL_MORATORIUM, Verdict.NOT_ELIGIBLE)]),
        ("neighbourhood_forum", "acv-full-moratorium", [(FULL_MORATORIUM, Verdict.NOT_ELIGIBLE)]),
        ("individual", "acv-eligibility", [(NOMINATE, Verdict.NOT_ELIGIBLE)]),
        ("charity", "acv-full-moratorium", [(FULL_MORATORIUM, Verdict.CHECK)]),
        ("asset_owner", "acv-nomination", [(NOMINATE, Verdict.NOT_ELIGIBLE)]),
        # Topics that are not about either act warn of nothing.
        ("individual", "np-getting-started", []),
        ("individual", None, []),
    ],
)
def test_verdicts_follow_the_statutory_lists(enquirer_type, topic, expected):
    warnings = eligibility_warnings(enquirer_type=enquirer_type, topic=topic)
    assert [(w.act, w.verdict) for w in warnings] == expected
    for warning in warnings:
        assert "SI 2012/2421" in warning.act.source and warning.message


def test_an_unknown_type_is_a_prompt_to_ask():
    [warning] = eligibility_warnings(enquirer_type=None, topic="acv-nomination")
    assert warning.verdict is Verdict.CHECK and warning.message == UNKNOWN_TYPE


def test_a_letter_template_adds_its_act_once():
    warnings = eligibility_warnings(
        enquirer_type="individual", topic="acv-nomination", template="acv-how-to-nominate"
    )
    assert [w.act for w in warnings] == [NOMINATE]
    warnings = eligibility_warnings(
        enquirer_type="individual", topic="acv-nomination", template="acv-interim-moratorium"
    )
    assert [w.act for w in warnings] == [NOMINATE, FULL_MORATORIUM]


@pytest.mark.django_db
def test_the_enquiry_page_warns_an_unincorporated_group_about_the_full_moratorium(
    client, mine, adviser
):
    client.force_login(adviser.user)  # mine: a community group, notice of sale
    page = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    assert "Who may act: check before they do" in page
    assert "may not be able to trigger the full moratorium" in page
    assert "An unincorporated group is not a community interest group" in page
    assert "SI 2012/2421) reg 12" in page

    Organisation.objects.filter(pk=mine.organisation_id).update(
        org_type=EnquirerType.PARISH_COUNCIL
    )
    page = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    assert "Who may act" not in page


@pytest.mark.django_db
def test_the_composer_warns_but_the_letter_still_issues(client, mine, adviser):
    Organisation.objects.filter(pk=mine.organisation_id).update(org_type=EnquirerType.INDIVIDUAL)
    mine.refresh_from_db()
    client.force_login(adviser.user)
    page = client.get(
        url("letter_compose", mine.reference), {"template": "acv-how-to-nominate"}
    ).content.decode()
    assert "They may not be able to nominate an asset of community value" in page
    assert "An individual cannot nominate" in page

    data = form_data(mine, adviser.user, "acv-how-to-nominate")
    response = client.post(url("letter_issue", mine.reference), data)
    assert response.status_code == 302
    assert mine.letters.filter(template_version=version("acv-how-to-nominate")).exists()


@pytest.mark.django_db
def test_the_enquiry_api_carries_the_warnings(api_client, mine, adviser):
    api_client.force_authenticate(adviser.user)
    body = api_client.get(f"/api/v1/enquiries/{mine.reference}/").json()
    [warning] = body["eligibility_warnings"]
    assert warning["act"] == "acv-full-moratorium"
    assert warning["verdict"] == "not eligible"
    assert "reg 12" in warning["legal_source"] and warning["who_may"].startswith("a community")
