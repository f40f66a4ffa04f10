"""A group answers the feedback survey it was emailed, in a real browser, with the
keyboard's radio buttons and no JavaScript needed; axe-core on the survey, its error and
the page after."""

import re

import pytest
from django.core import mail

from casework.cases import services as outcomes
from enquiries.feedback.services import feedback_requests_send
from enquiries.models import FeedbackRequest
from tests.e2e.test_journeys import label

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_group_answers_the_survey(
    live_server, page, check_accessibility, adviser, submit, settings
):
    settings.SITE_URL = live_server.url
    settings.FEEDBACK_DELAY_DAYS = 0
    enquiry = submit(subject="The Red Lion")
    outcomes.enquiry_close_with_outcome(enquiry=enquiry, actor=adviser.user, code="signposted")
    mail.outbox.clear()
    assert feedback_requests_send()["sent"] == 1
    link = re.search(r"(http://\S+/feedback/)", mail.outbox[-1].body)[1]

    page.goto(link)
    page.wait_for_selector("h1:has-text('Did we help?')")
    assert "/track/enquiries/" in page.url  # the token has left the address bar
    check_accessibility(page, "the survey")

    page.get_by_role("button", name="Send your feedback").click()
    page.wait_for_selector("text=Choose how much we helped, from 1 to 5.")
    check_accessibility(page, "the survey with an error")

    page.get_by_label("4: a lot").check()
    page.get_by_label("It was listed as an asset of community value").check()
    page.get_by_label(label("Anything else you would like to tell us? (optional)")).fill(
        "Clear and quick."
    )
    page.get_by_role("button", name="Send your feedback").click()
    page.wait_for_selector("text=Thank you: your feedback has been sent.")
    check_accessibility(page, "the enquiry page after the survey")
    survey = FeedbackRequest.objects.get()
    assert (survey.score, survey.next_step, survey.comment) == (
        4,
        "asset_listed",
        "Clear and quick.",
    )
