"""The rest of an adviser's morning in a real browser, each with and without JavaScript
where the page behaves differently: claiming an enquiry and closing it with an outcome,
saving a view of the queue and using it, a notice arriving while the desk is open when the
group replies in another browser, and seeing who else has the enquiry open. axe-core
checks each state in the runs with JavaScript (it runs as a script)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys import label
from tests.e2e.test_staff_pages import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(params=[True, False], ids=["with-js", "without-js"])
def javascript(request):
    return request.param


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(*, javascript: bool = True):
        context = browser.new_context(
            locale="en-GB", java_script_enabled=javascript, viewport={"width": 1280, "height": 800}
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def test_claiming_an_enquiry_and_closing_it_with_an_outcome(
    live_server, new_page, check_accessibility, adviser, submit, javascript
):
    from enquiries.models import Enquiry, Status

    enquiry = submit(subject="The library is closing")
    Enquiry.objects.filter(pk=enquiry.pk).update(assigned_to=None)  # back in the team queue
    page = new_page(javascript=javascript)
    sign_in(page, live_server, adviser.user, f"/desk/enquiries/{enquiry.reference}/")
    if javascript:
        check_accessibility(page, "an unassigned enquiry")

    page.get_by_role("button", name="Claim this enquiry").click()
    page.wait_for_selector(f".notice:has-text('{enquiry.reference} is now in your queue.')")
    enquiry.refresh_from_db()
    assert enquiry.assigned_to == adviser.user
    assert adviser.user.get_full_name() in page.inner_text(".facts")

    page.locator("#close-action > summary").click()
    page.get_by_label(label("Outcome")).select_option("advice_first_contact")
    page.get_by_role("button", name="Record outcome and close").click()
    page.wait_for_selector(".notice:has-text('is closed, with its outcome recorded')")
    enquiry.refresh_from_db()
    assert enquiry.status == Status.CLOSED
    assert "Closed" in page.inner_text(".facts")
    if javascript:
        check_accessibility(page, "the enquiry closed with its outcome")


def test_saving_a_view_of_the_queue_and_using_it(
    live_server, new_page, check_accessibility, adviser, submit, javascript
):
    from enquiries.models import Status
    from enquiries.services import enquiry_change_status

    waiting = submit(subject="Waiting on the parish")
    other = submit(subject="Still with us")
    enquiry_change_status(enquiry=waiting, status=Status.AWAITING_GROUP, actor=adviser.user)
    page = new_page(javascript=javascript)
    sign_in(page, live_server, adviser.user, "/desk/?status=awaiting_group")
    page.get_by_label(label("Save these filters as a view")).fill("Waiting for the group")
    page.get_by_role("button", name="Save view").click()
    page.wait_for_selector(".notice:has-text('Saved the view')")
    if javascript:
        check_accessibility(page, "the queue with a saved view")

    page.goto(f"{live_server.url}/desk/")
    view = page.get_by_role("link", name="Waiting for the group")
    assert "(1)" in page.locator(".saved-views li", has=view).inner_text()
    view.click()
    page.wait_for_selector("table")
    listed = page.inner_text("table")
    assert waiting.reference in listed and other.reference not in listed


def test_a_notice_arrives_on_the_open_desk_when_the_group_replies(
    live_server, new_page, check_accessibility, adviser, submit, settings
):
    """JavaScript only: without it the count is not shown, and the notices page lists the
    reply when opened (tests/casework/test_notices.py)."""
    from tests.enquiries.portal import track_url

    settings.NOTICES_POLL_SECONDS = 1
    enquiry = submit(subject="The Red Lion")
    desk = new_page()
    sign_in(desk, live_server, adviser.user, f"/desk/enquiries/{enquiry.reference}/")
    # expect() waits without evaluating a string in the page, which the desk's Content
    # Security Policy (no 'unsafe-eval') refuses to wait_for_function's polling.
    expect(desk.locator("#notices-count")).to_contain_text("unread")
    before = desk.inner_text("#notices-count")

    group = new_page()
    _, path = track_url(enquiry)
    group.goto(f"{live_server.url}{path}")
    group.fill("#id_body", "Here is the listing notice.")
    group.click("#reply-submit")
    group.wait_for_selector(".notice")

    expect(desk.locator("#notices-count")).not_to_have_text(before)
    assert int(desk.inner_text("#notices-count").split("(")[1].split()[0]) == (
        int(before.split("(")[1].split()[0]) + 1
    )
    desk.get_by_role("link", name="Notices").click()
    desk.wait_for_selector("main >> text=The group replied")
    assert enquiry.reference in desk.inner_text("main")
    check_accessibility(desk, "the notices page with a reply")


def test_each_sees_who_else_has_the_enquiry_open(
    live_server, new_page, adviser, manager, submit, settings, javascript
):
    settings.PRESENCE_BEAT_SECONDS = 1
    enquiry = submit(subject="The Red Lion")
    path = f"/desk/enquiries/{enquiry.reference}/"
    first = new_page(javascript=javascript)
    sign_in(first, live_server, adviser.user, path)
    assert first.inner_text("#presence").strip() == ""

    second = new_page(javascript=javascript)
    sign_in(second, live_server, manager.user, path)
    # Shown with the page, so without JavaScript too.
    assert adviser.user.get_full_name() in second.inner_text("#presence")
    if javascript:  # the first page learns of the second within a beat
        first.wait_for_selector(f"#presence:has-text('{manager.user.get_full_name()}')")
    else:
        first.reload()
        assert manager.user.get_full_name() in first.inner_text("#presence")
