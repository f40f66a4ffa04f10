"""A manager imports a messy spreadsheet in the browser: upload, columns, the check's
verdicts, the import; every page passes axe-core (WCAG 2.2 AA)."""

import pytest

from tests.casework.imports import csv_bytes, row
from tests.e2e.test_journeys import label
from tests.e2e.test_staff_pages import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_manager_imports_a_spreadsheet(live_server, page, check_accessibility, manager):
    from enquiries.models import Enquiry

    sign_in(page, live_server, manager.user, "/desk/imports/")
    check_accessibility(page, "the imports page")
    data = csv_bytes(
        [row("OLD-1"), row("OLD-2", Topic="Pub quizzes"), row("OLD-3", Date_received="2024-02-01")]
    )
    upload = {"name": "history.csv", "mimeType": "text/csv", "buffer": data}
    # Without a source the page says what is missing (and keeps nothing).
    page.get_by_label(label("Spreadsheet (CSV or XLSX)")).set_input_files(upload)
    page.get_by_role("button", name="Upload and choose the columns").click()
    page.wait_for_selector("text=Choose a source, or name a new one.")
    check_accessibility(page, "the imports page with an error")
    page.get_by_label(label("Spreadsheet (CSV or XLSX)")).set_input_files(upload)
    page.get_by_label(label("New source's name")).fill("Old CRM")
    page.get_by_role("button", name="Upload and choose the columns").click()
    page.wait_for_selector("h2:has-text('Choose the columns')")
    assert page.locator("select[name=source_key]").input_value() == "Ref"
    check_accessibility(page, "the columns form")

    page.get_by_role("button", name="Check the rows").click()
    page.wait_for_selector("h2:has-text('What the check found')")
    content = page.content()
    assert "No topic on the desk is called “Pub quizzes”." in content
    assert "Import 2 new enquiries" in content
    check_accessibility(page, "the check's verdicts")
    assert not Enquiry.objects.exists()

    page.get_by_role("button", name="Import 2 new enquiries").click()
    page.wait_for_selector("h2:has-text('Imported')")
    check_accessibility(page, "the imported run")
    assert sorted(Enquiry.objects.values_list("legacy_reference", flat=True)) == ["OLD-1", "OLD-3"]
