"""The enquiry page as an adviser meets it, measured in headless Chromium at 1280x800:
page height, how far down each everyday control sits (and how many clicks reach it), and
the requests and bytes an action costs (adding an internal note). Written for the
comparison in docs/workspace.md; it reads the page generically enough to measure an older
checkout too (run it from that checkout's folder to get the "before" figures).

    .venv/bin/pytest bench/workspace_bench.py -m e2e -s [--shots docs/img]

It prints one JSON object. Screenshots (full page) go to --shots when given.
"""

import json
import os

import pytest

from tests.conftest import *  # noqa: F403 (the personas and the submit helper)
from tests.conftest import _forget_reference_sequences, _isolated  # noqa: F401
from tests.e2e.conftest import browser  # noqa: F401
from tests.e2e.test_staff_pages import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Each everyday task: the control that starts it and, on the conversation-first page,
# the disclosure (if any) that must be opened first.
TASKS = {
    "reply to the group": ("[name='msg-body']", None),
    "add an internal note": ("[name='note-body']", "#composer a[href*='compose=note']"),
    "record time": ("[name='time-minutes']", "#time-action > summary"),
    "change the status": ("[name='status']", "#status-action > summary"),
    "record a key date": ("[name='trigger']", "#key-date-action > summary"),
}


def fill_the_enquiry(enquiry, adviser) -> None:
    """A working enquiry: notes, tasks, time, a key date and a reply, as after a week."""
    from datetime import date

    from casework.clocks import services as clocks
    from casework.workspace import services as workspace

    for n in range(6):
        workspace.note_add(enquiry=enquiry, body=f"Called the clerk, note {n}.", actor=adviser)
    for n in range(3):
        workspace.task_add(
            enquiry=enquiry,
            actor=adviser,
            title=f"Follow up {n}",
            assignee=adviser,
            due_on=date(2026, 12, 20),
        )
    clocks.key_date_record(
        enquiry=enquiry, trigger="disposal-notice-received", date=date(2026, 11, 2), actor=adviser
    )


def test_measure_the_enquiry_page(live_server, browser, adviser, submit):  # noqa: F811
    import casework

    enquiry = submit(subject="The Red Lion is for sale")
    fill_the_enquiry(enquiry, adviser.user)
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    path = f"/desk/enquiries/{enquiry.reference}/"
    sign_in(page, live_server, adviser.user, path)
    new_layout = page.locator("#enquiry-workspace").count() == 1
    figures: dict = {
        "code": os.path.dirname(casework.__file__),
        "layout": "conversation first" if new_layout else "one column",
        "page_height_px": page.evaluate("document.documentElement.scrollHeight"),
        "tasks": {},
    }
    shots = os.environ.get("WORKSPACE_SHOTS")
    if shots:
        name = "after" if new_layout else "before"
        page.screenshot(path=f"{shots}/enquiry-page-{name}.png", full_page=True)
    for task, (control, opener) in TASKS.items():
        page.goto(f"{live_server.url}{path}")
        clicks = 0
        if new_layout and opener:
            reach = page.locator(opener).first.bounding_box()
            page.locator(opener).first.click()
            clicks += 1
            page.wait_for_selector(control)
        else:
            reach = page.locator(control).first.bounding_box()
        figures["tasks"][task] = {
            "scroll_px_to_reach": max(0, round(reach["y"] - 800 + reach["height"])),
            "clicks_before_typing": clicks,
        }

    # Adding a note: what goes over the wire for the action and the page it leaves.
    page.goto(f"{live_server.url}{path}")
    if new_layout:
        page.locator(TASKS["add an internal note"][1]).click()
        page.wait_for_selector("[name='note-body']")
        page.wait_for_load_state("networkidle")
    moved: list[tuple[str, int]] = []

    def keep(response) -> None:
        """The page (or part of it) that the action's redirect brings back."""
        if path not in response.url or response.status >= 300:
            return
        if response.request.resource_type in ("document", "xhr", "fetch"):
            moved.append((response.request.resource_type, len(response.body() or b"")))

    page.on("response", keep)
    page.locator("[name='note-body']").fill("Rang the clerk; agenda next week.")
    with page.expect_response(lambda r: r.request.method == "GET" and path in r.url):
        page.locator("#note-submit, form[action$='/notes/'] button[type=submit]").first.click()
    page.wait_for_load_state()
    figures["add a note"] = {
        "requests": 1 + len(moved),  # the POST (its 302 has no body) and what followed
        "bytes_received": sum(size for _, size in moved),
        "kinds": sorted({kind for kind, _ in moved}),
    }
    print(json.dumps(figures, indent=2))
    context.close()
