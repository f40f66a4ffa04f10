"""A manager finds two records of one clerk and merges them in the browser; an adviser
merges two enquiries about one pub. axe-core on every page."""

import pytest

from tests.e2e.test_staff_pages import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_manager_merges_two_contacts(live_server, page, check_accessibility, manager):
    from casework.duplicates.services import duplicates_find
    from enquiries.models import Contact
    from tests.factories import ContactFactory, EnquiryFactory

    first = ContactFactory(name="Jo Bloggs", email="jo@bardney.example")
    second = ContactFactory(name="Joanne Bloggs", email="JO@bardney.example")
    EnquiryFactory(contact=first)
    EnquiryFactory(contact=second)
    duplicates_find()

    sign_in(page, live_server, manager.user, "/desk/duplicates/")
    check_accessibility(page, "the duplicates page")
    page.get_by_role("link", name="Compare and merge Joanne Bloggs and Jo Bloggs").click()
    page.wait_for_selector("h1:has-text('Merge two contacts')")
    check_accessibility(page, "the merge page")
    page.get_by_role("group", name="Name").get_by_label("Joanne Bloggs").check()
    page.get_by_role("button", name="Merge Joanne Bloggs into Jo Bloggs").click()
    page.wait_for_selector("h1:has-text('Likely duplicates')")
    assert "No likely duplicates are waiting." in page.content()
    first.refresh_from_db()
    assert first.name == "Joanne Bloggs"
    assert Contact.objects.get(pk=second.pk).merged_into_id == first.pk


def test_an_adviser_merges_two_enquiries(live_server, page, check_accessibility, adviser, submit):
    from enquiries.models import Enquiry

    first = submit(subject="The Red Lion")
    second = submit(subject="The Red Lion, again")
    sign_in(page, live_server, adviser.user, f"/desk/enquiries/{first.reference}/merge/")
    check_accessibility(page, "the enquiry merge form")
    page.get_by_label("Reference of the enquiry to merge into this one").fill(second.reference)
    page.get_by_role("button", name="Compare the two").click()
    page.wait_for_selector("caption:has-text('The two enquiries')")
    check_accessibility(page, "the enquiry comparison")
    page.get_by_role("button", name=f"Merge {second.reference} into {first.reference}").click()
    page.wait_for_selector(f"h1:has-text('{first.reference}')")
    check_accessibility(page, "the enquiry after the merge")
    assert Enquiry.objects.get(pk=second.pk).merged_into_id == first.pk
    page.goto(f"{live_server.url}/desk/enquiries/{second.reference}/")
    assert f"/desk/enquiries/{first.reference}/" in page.url
