"""Guidance before sending: the form offers articles that may answer the question, in a
step that needs no JavaScript; "this answered my question" sends nothing and is counted,
"I still want to ask" sends the enquiry exactly as typed."""

import html
import re

import pytest
from django.urls import reverse

from enquiries.models import Enquiry
from knowledgebase.models import DeflectionDay

pytestmark = pytest.mark.django_db
ENQUIRE = reverse("enquiries:enquire")


@pytest.fixture(autouse=True)
def _suggestions_on(settings):
    settings.ENQUIRY_FORM_SUGGESTIONS = True


def valid(enquiry_data, **changes):
    return {**enquiry_data, "consent_to_store": "on", **changes}


def carried(page: str) -> dict:
    """The hidden fields of the step's form, as a browser would send them back."""
    form = page[page.index('<form method="post"') :]
    form = form[: form.index("</form>")]
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    return {name: html.unescape(value) for name, value in fields}


def test_a_question_the_guidance_covers_gets_suggestions_before_it_is_sent(
    client, enquiry_data, adviser
):
    response = client.post(ENQUIRE, valid(enquiry_data))
    page = response.content.decode()
    assert response.status_code == 200
    assert "this guidance may answer your question" in page
    assert Enquiry.objects.count() == 0
    links = re.findall(r'href="/guidance/([a-z0-9-]+)/"', page)
    assert 1 <= len(links) <= 3
    assert response["Cache-Control"] == "no-store"


def test_i_still_want_to_ask_sends_it_as_typed_and_counts(client, enquiry_data, adviser, topics):
    page = client.post(ENQUIRE, valid(enquiry_data)).content.decode()
    data = carried(page)
    assert data["message"] == enquiry_data["message"]
    response = client.post(ENQUIRE, {**data, "guidance_step": "ask"})
    assert response.status_code == 302
    assert response["Location"] == reverse("enquiries:submitted")
    enquiry = Enquiry.objects.get()
    assert enquiry.message == enquiry_data["message"]
    assert enquiry.subject == enquiry_data["subject"]
    assert enquiry.contact.email == enquiry_data["email"]
    assert enquiry.asset_address == enquiry_data["asset_address"]
    row = DeflectionDay.objects.get()
    assert (row.topic, row.outcome, row.count) == (topics["acv-notice-of-sale"], "asked", 1)


def test_this_answered_my_question_sends_nothing_and_can_still_be_undone(
    client, enquiry_data, adviser
):
    page = client.post(ENQUIRE, valid(enquiry_data)).content.decode()
    answered = client.post(ENQUIRE, {**carried(page), "guidance_step": "answered"})
    assert answered.status_code == 200
    assert "Glad the guidance helped" in answered.content.decode()
    assert Enquiry.objects.count() == 0
    assert DeflectionDay.objects.get().outcome == "answered"
    # Changed their mind: the same text is sent from the thank-you page.
    sent = client.post(ENQUIRE, {**carried(answered.content.decode()), "guidance_step": "ask"})
    assert sent.status_code == 302
    assert Enquiry.objects.get().message == enquiry_data["message"]


def test_a_question_without_matching_guidance_is_sent_straight_away(client, enquiry_data, adviser):
    response = client.post(
        ENQUIRE,
        valid(enquiry_data, topic="", subject="Xylophone zebra", message="Qwertyuiop asdfgh."),
    )
    assert response.status_code == 302
    assert Enquiry.objects.count() == 1


def test_an_invalid_form_is_shown_again_not_the_suggestions(client, enquiry_data):
    response = client.post(ENQUIRE, valid(enquiry_data, email="not-an-email"))
    assert response.status_code == 400
    assert "this guidance may answer" not in response.content.decode()


def test_the_honeypot_is_not_carried_and_bots_get_no_suggestions(client, enquiry_data):
    page = client.post(ENQUIRE, valid(enquiry_data)).content.decode()
    assert "website" not in carried(page)
    bot = client.post(ENQUIRE, valid(enquiry_data, website="https://spam.example"))
    assert bot.status_code == 302
    assert Enquiry.objects.count() == 0
