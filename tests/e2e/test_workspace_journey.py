"""The enquiry page as an adviser works it, in a real browser, with JavaScript (actions
update the page in place through htmx, keeping focus) and without it (the same forms post
and the page reloads): reading the enquiry, replying to the group, an internal note, time,
a status change. With JavaScript the page is never reloaded, which a marker set on the
window proves, and axe-core checks each state on the way (axe runs as a script, so the
run without JavaScript checks the behaviour only: its markup is the same)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys import label
from tests.e2e.test_staff_pages import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(params=[True, False], ids=["with-js", "without-js"])
def javascript(request):
    return request.param


@pytest.fixture
def workspace_page(browser, javascript):
    context = browser.new_context(
        locale="en-GB", java_script_enabled=javascript, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    yield page
    context.close()


def still_the_same_page(page, javascript: bool) -> None:
    """With JavaScript, the action was done in place: the marker set on load survives."""
    if javascript:
        assert page.evaluate("window.__notReloaded === true")


def wait_for_message(page, text: str) -> None:
    page.wait_for_selector(f".notice:has-text('{text}')")


def test_an_adviser_works_an_enquiry_in_place_or_by_plain_forms(
    live_server, workspace_page, check_accessibility, adviser, submit, javascript
):
    from casework.models import Note, TimeEntry
    from enquiries.models import Message

    page = workspace_page

    def axe(page, state: str) -> None:
        if javascript:
            check_accessibility(page, state)

    enquiry = submit(subject="The Red Lion is for sale")
    sign_in(page, live_server, adviser.user, f"/desk/enquiries/{enquiry.reference}/")
    axe(page, "the enquiry page")
    if javascript:
        page.evaluate("window.__notReloaded = true")

    # At 1280x800 the message, the latest of the conversation, the composer's box for
    # writing and the key facts begin in view on opening, without scrolling.
    for selector in (
        "#message-heading",
        "ol.timeline li:last-child",
        "#composer-heading",
        "#facts-heading",
        ".facts dd",
    ):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 800, selector

    # Reply to the group from the composer under the conversation.
    page.get_by_label(label("Update to the group")).fill("We have your notice; call us.")
    page.get_by_role("button", name="Send update to the group").click()
    wait_for_message(page, "Update sent to the group.")
    still_the_same_page(page, javascript)
    assert Message.objects.filter(enquiry=enquiry, body__contains="call us").exists()
    assert "We have your notice; call us." in page.inner_text("#enquiry-workspace ol.timeline")
    axe(page, "the enquiry page after an update")

    # An internal note, from the composer's other tab.
    page.get_by_role("link", name="Internal note", exact=True).click()
    page.wait_for_selector("#add-note")
    page.get_by_label(label("Internal note")).fill("Rang the clerk.")
    page.get_by_role("button", name="Add note").click()
    wait_for_message(page, "Internal note added.")
    still_the_same_page(page, javascript)
    assert Note.objects.get(enquiry=enquiry).body == "Rang the clerk."
    if javascript:  # focus stays on the button the adviser used
        expect(page.locator("#note-submit")).to_be_focused()

    # A refused form comes back with its error summary, in place or not.
    page.get_by_role("button", name="Add note").click()
    page.wait_for_selector("#error-summary")
    assert "Write the note before saving it." in page.inner_text("#error-summary")
    axe(page, "the enquiry page with a refused note")

    # Time, from the side panel's actions.
    page.locator("#time-action > summary").click()
    page.get_by_label(label("Minutes spent")).fill("25")
    page.get_by_label(label("Spent on")).select_option("call")
    page.get_by_role("button", name="Record time").click()
    wait_for_message(page, "Time recorded.")
    still_the_same_page(page, javascript)
    assert TimeEntry.objects.get(enquiry=enquiry).minutes == 25
    if javascript:  # the section stays open
        expect(page.locator("#time-action")).to_have_attribute("open", "")

    # The status, from the side panel.
    page.locator("#status-action > summary").click()
    page.get_by_label(label("New status")).select_option("awaiting_group")
    page.get_by_role("button", name="Change status").click()
    wait_for_message(page, "Status is now")
    still_the_same_page(page, javascript)
    enquiry.refresh_from_db()
    assert enquiry.status == "awaiting_group"
    assert re.search("waiting for the group", page.inner_text("#enquiry-workspace .facts"), re.I)
    axe(page, "the enquiry page after acting")


def test_the_enquiry_page_by_keyboard_alone(
    live_server, workspace_page, check_accessibility, adviser, submit, javascript
):
    """Disclosures open with Enter, forms submit with Enter on their button, and (with
    JavaScript) focus stays on the button after the page updates in place."""
    from enquiries.models import Status

    page = workspace_page
    enquiry = submit(subject="The Red Lion is for sale")
    sign_in(page, live_server, adviser.user, f"/desk/enquiries/{enquiry.reference}/")

    page.locator("#status-action > summary").focus()
    page.keyboard.press("Enter")
    assert page.locator("#status-action").get_attribute("open") is not None
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "status"
    page.get_by_label(label("New status")).select_option("awaiting_group")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "status-submit"
    page.keyboard.press("Enter")
    page.wait_for_selector(".notice:has-text('Status is now')")
    enquiry.refresh_from_db()
    assert enquiry.status == Status.AWAITING_GROUP
    if javascript:
        # The focus and the open sections come back once htmx has settled the swap, a
        # moment after the notice appears: expect() waits for them (up to its timeout).
        expect(page.locator("#status-submit")).to_be_focused()
        expect(page.locator("#status-action")).to_have_attribute("open", "")
        check_accessibility(page, "the enquiry page after a keyboard status change")
