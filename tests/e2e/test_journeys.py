"""Real-browser journeys with accessibility checks on every page on the way."""

import re

import pytest
from django.core import mail

from enquiries.models import Enquiry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct horse battery staple"


def label(text: str) -> re.Pattern:
    """A field's whole label, with or without Django's trailing colon."""
    return re.compile(rf"^{re.escape(text)}:?$")


def test_group_submits_the_form_by_keyboard_and_follows_the_tracking_link(
    live_server, page, check_accessibility, adviser, settings
):
    settings.SITE_URL = live_server.url
    page.goto(f"{live_server.url}/enquire/")
    check_accessibility(page, "the empty enquiry form")

    # Submitting empty shows an error summary that takes focus and links to fields.
    page.get_by_role("button", name="Send enquiry").press("Enter")
    page.wait_for_selector("#error-summary")
    check_accessibility(page, "the enquiry form with errors")
    page.get_by_role("link", name=re.compile("^Email address")).click()
    assert page.evaluate("document.activeElement.id") == "id_email"

    # Keyboard only: focus each field by its label and type.
    page.get_by_label(label("Name of your group or organisation")).fill("Friends of the Red Lion")
    page.get_by_label(label("What kind of group is it?")).select_option("community_group")
    page.get_by_label(label("Your name")).fill("Sam Green")
    page.get_by_label(label("Email address")).fill("sam@example.org")
    page.get_by_label(label("Local authority area")).select_option("west-lindsey")
    page.get_by_label(label("What is your enquiry about?")).select_option("acv-notice-of-sale")
    page.get_by_label(label("Subject")).fill("Our pub is up for sale")
    page.get_by_label(label("Your enquiry")).fill("The owner of the Red Lion has given notice.")
    page.get_by_label(re.compile("I agree that the desk may store")).press("Space")
    page.get_by_role("button", name="Send enquiry").press("Enter")

    page.wait_for_selector(".confirmation")
    check_accessibility(page, "the confirmation page")
    enquiry = Enquiry.objects.get()
    assert enquiry.reference in page.inner_text(".confirmation")
    assert enquiry.assigned_to == adviser.user

    page.get_by_role("link", name="track your enquiry").click()
    page.wait_for_selector("h1")
    assert enquiry.reference in page.inner_text("h1")
    check_accessibility(page, "the tracking page")
    # The group's acknowledgement; Ada is told of her new assignment separately.
    [to_group] = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    assert enquiry.reference in to_group.subject


def test_adviser_signs_in_and_works_the_queue(
    live_server, page, check_accessibility, adviser, enquiry_data
):
    from enquiries.intake.services import EnquiryInput, enquiry_submit
    from knowledgebase.models import LocalAuthority, Topic

    data = {
        **enquiry_data,
        "topic": Topic.objects.get(slug=enquiry_data["topic"]),
        "local_authority": LocalAuthority.objects.get(slug=enquiry_data["local_authority"]),
    }
    submitted = enquiry_submit(data=EnquiryInput(**data), channel="web")

    page.goto(f"{live_server.url}/desk/")
    check_accessibility(page, "the sign-in page")
    page.get_by_label(label("Username")).fill(adviser.user.username)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label(label("Password")).press("Enter")
    page.wait_for_selector("table")
    check_accessibility(page, "the adviser's queue")

    page.get_by_role("link", name=submitted.enquiry.reference).click()
    page.wait_for_selector("h1")
    check_accessibility(page, "the enquiry page")
    page.locator("#status-action summary").click()
    page.get_by_label(label("New status")).select_option("awaiting_group")
    page.get_by_role("button", name="Change status").click()
    page.wait_for_selector(".notice:has-text('Status is now')")
    assert "waiting for the group" in page.inner_text("#workspace-live").lower()

    page.goto(f"{live_server.url}/desk/enquiries/new/")
    check_accessibility(page, "the log-an-enquiry form")


def test_adviser_records_a_key_date_and_reads_the_deadlines(
    live_server, page, check_accessibility, adviser, submit
):
    """DOMAIN.md's worked example, typed in by keyboard on the enquiry page."""
    enquiry = submit()
    page.goto(f"{live_server.url}/accounts/login/?next=/desk/enquiries/{enquiry.reference}/")
    page.get_by_label(label("Username")).fill(adviser.user.username)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label(label("Password")).press("Enter")
    page.wait_for_selector("h1")

    page.locator("#key-date-action summary").click()
    page.get_by_label(label("What happened?")).select_option("disposal-notice-received")
    page.get_by_label(label("On what date?")).fill("2026-03-02")
    page.get_by_role("button", name="Record key date").press("Enter")
    page.wait_for_selector(".notice:has-text('Key date recorded')")
    page.locator("#key-dates > summary").click()  # the record's section with the tables
    page.wait_for_selector("table caption:has-text('Deadlines started by')")
    text = page.inner_text("main")
    for end in ("12 April 2026", "1 September 2026", "1 September 2027"):
        assert end in text
    assert "Localism Act 2011 s.95(6)" in text
    check_accessibility(page, "the enquiry page with deadlines")

    page.goto(f"{live_server.url}/desk/clock/")
    check_accessibility(page, "the clock calculator")
    page.get_by_label(label("Clock")).select_option("acv-full-moratorium")
    page.get_by_label(label("Start date")).fill("2024-08-31")
    page.get_by_role("button", name="Work out the end date").press("Enter")
    page.wait_for_selector("#result-heading")
    assert "28 February 2025" in page.inner_text("main")
    check_accessibility(page, "the clock calculator with a result")
