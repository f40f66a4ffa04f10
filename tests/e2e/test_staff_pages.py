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
    from casework.data_protection.services import sar_record

    sar = sar_record(
        email=enquiry.contact.email, received_on=date(2026, 11, 20), actor=manager.user
    )
    from casework.models import WebhookDelivery, WebhookEndpoint

    hook = WebhookEndpoint.objects.create(
        url="https://hooks.example/desk", events=["enquiry.received"], created_by=manager.user
    )
    WebhookDelivery.objects.create(
        endpoint=hook, event="enquiry.received", payload={}, state="failed", last_status=503
    )

    sign_in(page, live_server, adviser.user, f"/desk/enquiries/{ref}/")
    for path, what in [
        (f"/desk/enquiries/{ref}/", "the enquiry page with a key date, a note and a case"),
        (f"/desk/enquiries/{ref}/edit/", "the edit form"),
        (f"/desk/enquiries/{ref}/letters/new/", "the letter composer"),
        (f"/desk/cases/{case.pk}/", "the case page"),
        (f"/desk/cases/{case.pk}/edit/", "the case edit form"),
        ("/desk/cases/", "the case list"),
        ("/reports/caseload/", "the adviser's caseload report"),
        ("/desk/styleguide/", "the style guide"),
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (path, response.status)
        page.wait_for_selector("h1")
        check_accessibility(page, what)

    page.context.clear_cookies()
    sign_in(page, live_server, manager.user, "/desk/service-levels/")
    for path, what in [
        ("/desk/service-levels/", "the service-level targets"),
        ("/desk/data-protection/", "the data-protection page"),
        (f"/desk/data-protection/access/{sar.pk}/review/", "a subject access review"),
        ("/desk/home/", "the manager's home"),
        ("/desk/webhooks/", "the webhooks page"),
        (f"/desk/webhooks/{hook.pk}/", "an endpoint's deliveries"),
        ("/desk/api-tokens/", "the API tokens page"),
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


def test_mail_on_the_desk_is_shown_as_text_and_passes_axe(
    live_server, page, check_accessibility, manager, settings
):
    """An HTML email with a script, an iframe, a tracking image and a javascript: link
    reaches the enquiry page as escaped text: nothing runs, nothing is fetched."""
    from enquiries.mail.services import mail_receive
    from tests.enquiries.mail_corpus import corpus

    settings.MAIL_REPLY_ADDRESS = "desk@desk.example"
    settings.MAIL_DATE_MAX_AGE_DAYS = 100_000  # the corpus's dates, whatever today is
    html_mail = corpus("html_only").replace(
        b"Can you help?", b"Can you help? &lt;script&gt;alert('text')&lt;/script&gt;"
    )
    enquiry = mail_receive(html_mail, source="pipe").enquiry
    with_refusals = mail_receive(corpus("attachments"), source="pipe").enquiry
    mail_receive(corpus("malformed_header"), source="pipe")
    dialogs, requests = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests.append(request.url))

    sign_in(page, live_server, manager.user, f"/desk/enquiries/{enquiry.reference}/")
    for path, what in [
        (f"/desk/enquiries/{enquiry.reference}/", "an enquiry that came as an HTML email"),
        (f"/desk/enquiries/{with_refusals.reference}/", "an email with refused attachments"),
        ("/desk/mail/quarantine/", "the mail quarantine"),
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (path, response.status)
        page.wait_for_selector("h1")
        check_accessibility(page, what)

    page.goto(f"{live_server.url}/desk/enquiries/{enquiry.reference}/")
    body = page.locator(".message-body").inner_text()
    assert "Our library is closing & we want to run it." in body
    assert "<script>alert('text')</script>" in body  # the sender's words, as text
    assert dialogs == []
    assert page.locator("main iframe, main script, main img").count() == 0
    assert not [url for url in requests if "tracker.example" in url or "evil.example" in url]


def test_erasure_on_request_in_the_browser(live_server, page, check_accessibility, manager, submit):
    """The manager's two steps: what would be erased (checked with axe), then confirm."""
    from enquiries.models import Enquiry

    enquiry = submit()
    sign_in(page, live_server, manager.user, "/desk/data-protection/")
    form = page.locator("form[aria-labelledby=erasure-heading]")
    form.get_by_label(label("The person's email address")).fill("sam@example.org")
    form.get_by_label(label("Date the request was received")).fill("2026-12-01")
    form.get_by_role("button", name="Show what would be erased").click()
    page.wait_for_selector("h1:has-text('Confirm the erasure')")
    assert "It is still open: close it (withdrawn) first." in page.content()
    assert "sam@example.org" not in page.url
    check_accessibility(page, "the erasure confirmation")
    assert Enquiry.objects.get(pk=enquiry.pk).anonymised_at is None
