"""A manager assigns twenty enquiries at once from the queue, by keyboard-friendly
checkboxes and one form; axe-core on the queue before and after."""

import pytest

from tests.e2e.test_journeys import label
from tests.e2e.test_staff_pages import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_bulk_assignment_of_twenty(
    live_server, page, check_accessibility, manager, other_adviser, submit
):
    from enquiries.models import Enquiry

    rows = [submit(subject=f"Pub {n}") for n in range(20)]
    sign_in(page, live_server, manager.user, "/desk/?queue=all")
    check_accessibility(page, "the queue with its bulk form")
    for enquiry in rows:
        page.get_by_label(f"Tick {enquiry.reference}").check()
    bulk = page.locator("#bulk-form")
    bulk.get_by_label(label("With the selected enquiries")).select_option("assign")
    bulk.get_by_label(label("Assign to adviser")).select_option(str(other_adviser.pk))
    bulk.get_by_role("button", name="Apply to the ticked enquiries").click()
    page.wait_for_selector("text=Done for 20 enquiries")
    check_accessibility(page, "the queue after the bulk action")
    assert (
        Enquiry.objects.filter(pk__in=[e.pk for e in rows], assigned_to=other_adviser.user).count()
        == 20
    )


def test_moving_through_the_queue_with_j_and_k(live_server, page, adviser, submit):
    rows = [submit(subject=f"Pub {n}") for n in range(3)]
    sign_in(page, live_server, adviser.user, "/desk/")
    page.get_by_label("Move through the list with j and k (Enter opens the enquiry)").check()
    page.locator("h1").click()  # focus out of the box, on the page
    page.keyboard.press("j")
    first = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("j")
    second = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.textContent") == first != second
    page.keyboard.press("Enter")
    page.wait_for_selector(f"h1:has-text('{first.strip()}')")
    assert {first.strip(), second.strip()} <= {e.reference for e in rows}
