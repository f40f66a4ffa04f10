"""A group follows its enquiry in a real browser: from the form, through the emailed link,
to an update, a reply with a document and a letter downloaded; axe-core on every page on
the way, and the reply made with the keyboard alone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from casework.models import Letter
from enquiries.models import Attachment, Enquiry, Message, PublicDate, Status
from knowledgebase.letter_engine import ADVISER_INSTRUCTION
from tests.e2e.test_journeys import PASSWORD, label
from tests.enquiries.portal import PDF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _tab_to(page, element_id: str, limit: int = 80) -> int:
    """Press Tab from the top of the page until ``element_id`` has focus; how many presses."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.evaluate("window.scrollTo(0, 0)")
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return presses
    raise AssertionError(f"Tab never reached #{element_id}")


def test_group_follows_replies_and_downloads_a_letter(
    live_server, browser, page, check_accessibility, adviser, settings, smtp_server, tmp_path
):
    """The group in one browser, Ada at the desk in another; emails over real SMTP."""
    settings.SITE_URL = live_server.url
    page.goto(f"{live_server.url}/enquire/")
    check_accessibility(page, "the enquiry form")
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
    enquiry = Enquiry.objects.get()
    assert enquiry.assigned_to == adviser.user

    # The link from the acknowledgement that arrived at the SMTP server.
    ack = _mail_to("sam@example.org", smtp_server, subject_has=enquiry.reference)
    link = re.search(r"https?://\S+/track/[\w-]+/", _text(ack)).group(0)
    page.goto(link)
    page.wait_for_selector("h1")
    assert enquiry.reference in page.inner_text("h1")
    assert "With an adviser" in page.inner_text("main")
    check_accessibility(page, "the tracking page")

    # Ada, at the desk: an update to the group, and the desk now waits for them.
    desk = browser.new_context(locale="en-GB").new_page()
    desk.goto(f"{live_server.url}/accounts/login/?next=/desk/enquiries/{enquiry.reference}/")
    desk.get_by_label(label("Username")).fill(adviser.user.username)
    desk.get_by_label(label("Password")).fill(PASSWORD)
    desk.get_by_label(label("Password")).press("Enter")
    desk.wait_for_selector("h1")
    desk.get_by_label(label("Update to the group")).fill("Please send us the listing notice.")
    desk.get_by_label(label("We are waiting for the group's reply")).check()
    desk.get_by_role("button", name="Send update to the group").click()
    desk.wait_for_selector(".notice:has-text('Update sent to the group.')")
    page.reload()
    main = page.inner_text("main")
    assert "Please send us the listing notice." in main
    assert "Waiting for you" in main
    _mail_to("sam@example.org", smtp_server, subject_has=enquiry.reference, nth=1)

    # Reply with the keyboard alone: an empty reply first shows the linked error summary.
    # The page is "same-origin", so the browser sends our origin (not "null", as under
    # "no-referrer") and Django's own CSRF check takes the posts.
    origins = []
    page.on(
        "request",
        lambda r: origins.append(r.all_headers().get("origin")) if r.method == "POST" else None,
    )
    _tab_to(page, "id_body")
    _tab_to(page, "reply-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-summary")
    check_accessibility(page, "the reply form with errors")

    _tab_to(page, "id_body")
    page.keyboard.type("Here is the listing notice.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_files"
    notice = tmp_path / "listing-notice.pdf"
    notice.write_bytes(PDF)
    page.set_input_files("#id_files", str(notice))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "reply-submit"
    page.keyboard.press("Enter")
    page.wait_for_selector(".notice")
    assert "Your reply has been sent" in page.inner_text(".notice")
    assert "Here is the listing notice." in page.inner_text("main")
    assert "With an adviser" in page.inner_text("main")
    check_accessibility(page, "the tracking page after a reply")

    assert origins == [live_server.url, live_server.url]
    reply = Message.objects.get(enquiry=enquiry, sender=Message.Sender.GROUP)
    assert Attachment.objects.get(message=reply).original_name == "listing-notice.pdf"
    enquiry.refresh_from_db()
    assert enquiry.status == Status.IN_PROGRESS
    # Ada is told of the reply (the reference only).
    _mail_to(adviser.user.email, smtp_server, subject_has=enquiry.reference)

    # Ada reads the reply, writes a general reply in the composer and publishes it.
    desk.reload()
    assert "Here is the listing notice." in desk.inner_text("main")
    desk.get_by_role("link", name=re.compile("^Write a letter")).click()
    desk.get_by_role("link", name="A general reply").click()
    desk.wait_for_selector("#id_body")
    check_accessibility(desk, "the letter composer")
    body = desk.get_by_label(label("Letter text"))
    body.fill(
        ADVISER_INSTRUCTION.sub(
            "Thank you for the listing notice. Write to the council by the date we gave you.",
            body.input_value(),
        )
    )
    desk.get_by_label(re.compile("^Publish to the group's enquiry")).check()
    desk.get_by_role("button", name="Issue letter").click()
    desk.wait_for_selector(".notice")
    letter = Letter.objects.get(enquiry=enquiry)
    assert letter.published_at is not None

    # The group downloads it from the tracking page: a real PDF with their reference.
    page.reload()
    assert "We have sent you a letter" in page.inner_text("main")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download .*-letter-\d+\.pdf$")).first.click()
    saved = tmp_path / "letter.pdf"
    download_info.value.save_as(saved)
    text = "".join(p.extract_text() for p in PdfReader(saved).pages)
    assert enquiry.reference in text and "Thank you for the listing notice." in text
    assert "Page 1 of" in text
    _mail_to("sam@example.org", smtp_server, subject_has=enquiry.reference, nth=2)
    desk.context.close()


def _mail_to(address: str, smtp_server, *, subject_has: str, nth: int = 0):
    """The ``nth`` message (0 first) that arrived at the SMTP server for ``address``."""
    arrived = [m for to, m in smtp_server.messages if to == [address]]
    assert len(arrived) > nth, f"{len(arrived)} message(s) to {address}"
    assert subject_has in arrived[nth]["Subject"]
    return arrived[nth]


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_asking_for_a_new_link_by_keyboard(live_server, page, check_accessibility):
    page.goto(f"{live_server.url}/track/not-a-real-token/")
    assert "This link is not valid" in page.inner_text("h1")
    check_accessibility(page, "the link-not-valid page")
    page.get_by_role("link", name="Ask for a new link").click()
    page.wait_for_selector("h1")
    check_accessibility(page, "the new-link form")
    page.get_by_label(label("Email address")).fill("nobody@example.org")
    page.get_by_role("button", name="Email me a new link").press("Enter")
    page.wait_for_selector("text=Check your email")
    check_accessibility(page, "the new-link confirmation")


def test_adviser_shows_a_deadline_and_the_group_sees_it(
    live_server, page, check_accessibility, adviser, submit
):
    from casework.clocks.services import key_date_record
    from tests.enquiries.portal import track_url

    enquiry = submit()
    key_date_record(
        enquiry=enquiry,
        trigger="disposal-notice-received",
        date=timezone.localdate() - timedelta(days=3),
        actor=adviser.user,
    )
    page.goto(f"{live_server.url}/accounts/login/?next=/desk/enquiries/{enquiry.reference}/")
    page.get_by_label(label("Username")).fill(adviser.user.username)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label(label("Password")).press("Enter")
    page.wait_for_selector("h1")

    # Keyboard: open the key dates, tick "the group must act by this date" for the first
    # clock, then show it.
    page.locator("#key-dates > summary").press("Enter")
    page.get_by_label(re.compile("^The group must act by this date")).first.press("Space")
    page.get_by_role("button", name=re.compile("^Show to the group")).first.press("Enter")
    page.wait_for_selector(".notice:has-text('reminders 14 and 3 days before')")
    check_accessibility(page, "the enquiry page with a date shown to the group")
    shown = PublicDate.objects.get(enquiry=enquiry)
    assert shown.is_group_deadline

    _, path = track_url(enquiry)
    page.goto(f"{live_server.url}{path}")
    main = page.inner_text("main")
    assert shown.label in main and "Your group must act by this date" in main
    check_accessibility(page, "the tracking page with dates")
