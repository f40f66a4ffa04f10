"""Every staff page a manager or adviser works in passes axe-core (WCAG 2.2 AA) with data on it."""

from datetime import date

import pytest

from tests.e2e.test_journeys import PASSWORD, label

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_in(page, live_server, user, next_path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.get_by_label(label("Username")).fill(user.username)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label(label("Password")).press("Enter")
    page.wait_for_selector("h1")


def test_staff_pages_pass_axe_with_data_on_them(
    live_server, page, check_accessibility, adviser, manager, submit
):
    from casework.cases.services import case_open_from_enquiry
    from casework.clocks.services import key_date_record
    from casework.workspace.services import note_add

    enquiry = submit()
    key_date_record(
        enquiry=enquiry,
        trigger="disposal-notice-received",
        date=date(2026, 3, 2),
        actor=adviser.user,
    )
    note_add(enquiry=enquiry, body="Called the council.", actor=adviser.user)
    case = case_open_from_enquiry(enquiry=enquiry, actor=adviser.user, title="Save the Red Lion")
    ref = enquiry.reference

    sign_in(page, live_server, adviser.user, f"/desk/enquiries/{ref}/")
    for path, what in [
        (f"/desk/enquiries/{ref}/", "the enquiry page with a key date, a note and a case"),
        (f"/desk/enquiries/{ref}/edit/", "the edit form"),
        (f"/desk/enquiries/{ref}/letters/new/", "the letter composer"),
        (f"/desk/cases/{case.pk}/", "the case page"),
        (f"/desk/cases/{case.pk}/edit/", "the case edit form"),
        ("/desk/cases/", "the case list"),
        ("/reports/caseload/", "the adviser's caseload report"),
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (path, response.status)
        page.wait_for_selector("h1")
        check_accessibility(page, what)

    page.context.clear_cookies()
    sign_in(page, live_server, manager.user, "/desk/service-levels/")
    for path, what in [
        ("/desk/service-levels/", "the service-level targets"),
        ("/desk/letters/bulk/", "bulk letters"),
        (f"/desk/enquiries/{ref}/history/", "the enquiry history"),
        (f"/desk/cases/{case.pk}/history/", "the case history"),
        ("/desk/?sla=at_risk", "the queue filtered to at risk"),
        ("/reports/", "the reports index"),
        ("/reports/caseload/", "the caseload report"),
        ("/reports/flow/", "the flow report"),
        ("/reports/outcomes/", "the outcomes report"),
        ("/reports/demand/", "the demand report"),
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (path, response.status)
        page.wait_for_selector("h1")
        check_accessibility(page, what)
