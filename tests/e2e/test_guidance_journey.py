"""Guidance in a real browser, checked with axe: the public pages and search, the
suggestion step on the enquiry form (keyboard only), and the desk's guidance, snippet,
search and knowledge pages."""

import re

import pytest

from enquiries.models import Enquiry
from tests.e2e.test_journeys import label
from tests.e2e.test_staff_pages import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_group_reads_and_searches_guidance(live_server, page, check_accessibility):
    page.goto(f"{live_server.url}/guidance/")
    check_accessibility(page, "the guidance index")
    page.get_by_role("link", name="The interim and full moratoriums, with worked dates").click()
    page.wait_for_selector("h1")
    assert "For example, if the start" in page.inner_text("main")
    assert "Last reviewed on" in page.inner_text("main")
    check_accessibility(page, "an article")
    page.get_by_role("link", name="Guidance", exact=True).first.click()
    page.get_by_label(label("Search guidance")).fill("moritorium")  # misspelt
    page.get_by_label(label("Search guidance")).press("Enter")
    page.wait_for_selector("#results-heading")
    assert "moratorium" in page.inner_text("main").lower()
    check_accessibility(page, "search results")

    page.goto(f"{live_server.url}/privacy/")
    assert page.locator("h1").inner_text() == "How this desk handles your data"
    assert "years after your enquiry is closed" in page.inner_text("main")
    check_accessibility(page, "the privacy notice, from the knowledge base")


def test_the_form_offers_guidance_before_sending_and_keeps_what_was_typed(
    live_server, page, check_accessibility, adviser, settings
):
    settings.SITE_URL = live_server.url
    settings.ENQUIRY_FORM_SUGGESTIONS = True
    page.goto(f"{live_server.url}/enquire/")
    page.get_by_label(label("Name of your group or organisation")).fill("Friends of the Red Lion")
    page.get_by_label(label("What kind of group is it?")).select_option("community_group")
    page.get_by_label(label("Your name")).fill("Sam Green")
    page.get_by_label(label("Email address")).fill("sam@example.org")
    page.get_by_label(label("What is your enquiry about?")).select_option("acv-notice-of-sale")
    page.get_by_label(label("Subject")).fill("Owner gave notice to sell our listed pub")
    # With JavaScript, articles appear as the subject is typed (an aria-live region).
    page.wait_for_selector("#guidance-suggestions li a")
    check_accessibility(page, "the form with suggestions shown")
    page.get_by_label(label("Your enquiry")).fill("What is the moratorium and how long is it?")
    page.get_by_label(re.compile("I agree that the desk may store")).press("Space")
    page.get_by_role("button", name="Send enquiry").press("Enter")

    page.wait_for_selector("text=this guidance may answer your question")
    check_accessibility(page, "the suggestion step")
    assert Enquiry.objects.count() == 0
    page.get_by_role("button", name=re.compile("I still want to ask")).press("Enter")
    page.wait_for_selector(".confirmation")
    enquiry = Enquiry.objects.get()
    assert enquiry.message == "What is the moratorium and how long is it?"
    assert enquiry.contact.name == "Sam Green"


def test_desk_guidance_pages_pass_axe(
    live_server, page, check_accessibility, manager, adviser, submit
):
    from knowledgebase.models import Article, Snippet

    enquiry = submit()
    article = Article.objects.order_by("pk").first()
    snippet = Snippet.objects.order_by("pk").first()
    sign_in(page, live_server, manager.user, "/desk/guidance/")
    for path, what in [
        ("/desk/guidance/", "the guidance list"),
        (f"/desk/guidance/{article.pk}/", "an article's editor"),
        ("/desk/guidance/new/", "a new article"),
        ("/desk/snippets/", "the snippet list"),
        (f"/desk/snippets/{snippet.pk}/", "a snippet's editor"),
        ("/reports/knowledge/", "the knowledge report"),
        (f"/desk/enquiries/{enquiry.reference}/?snippet={snippet.pk}", "a snippet inserted"),
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (path, response.status)
        page.wait_for_selector("h1")
        check_accessibility(page, what)

    page.goto(f"{live_server.url}/desk/search/")
    page.get_by_label(label("Search the desk")).fill("Red Lion")
    page.get_by_label(label("Search the desk")).press("Enter")
    page.wait_for_selector("#results-heading")
    assert enquiry.reference in page.inner_text("main")
    assert "Red Lion" not in page.url
    check_accessibility(page, "desk search results")
