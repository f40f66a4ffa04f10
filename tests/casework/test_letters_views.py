"""The letter composer in the browser and the letters API.

For each page and endpoint: success, anonymous, someone else's enquiry (404), a wrong role
(403), invalid input (400, nothing saved); query counts pinned at two sizes.
"""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from casework.clocks.services import key_date_record
from casework.letters import services as letters_services
from casework.models import Letter
from enquiries.models import EnquiryEvent, PersonalDataAccess
from knowledgebase.letter_engine import ADVISER_INSTRUCTION
from knowledgebase.models import LetterTemplateVersion

pytestmark = pytest.mark.django_db


def version(slug: str) -> LetterTemplateVersion:
    return LetterTemplateVersion.objects.filter(template__slug=slug).order_by("-number").first()


def url(name: str, *args) -> str:
    return reverse(f"casework:{name}", args=args)


@pytest.fixture
def notice(mine, adviser):
    return key_date_record(
        enquiry=mine,
        trigger="disposal-notice-received",
        date=timezone.localdate() - timedelta(days=10),
        actor=adviser.user,
    )


def form_data(enquiry, actor, slug="acv-interim-moratorium", **overrides) -> dict:
    filled = letters_services.letter_compose(
        enquiry=enquiry, template_version=version(slug), actor=actor
    )
    data = {
        "template": slug,
        "version": version(slug).number,
        "title": filled.title,
        "body": ADVISER_INSTRUCTION.sub("Our advice.", filled.body),
    }
    return {**data, **overrides}


def issue(enquiry, actor, slug="general-reply") -> Letter:
    data = form_data(enquiry, actor, slug)
    return letters_services.letter_issue(
        enquiry=enquiry,
        template_version=version(slug),
        title=data["title"],
        body=data["body"],
        large_print=False,
        actor=actor,
    )


# --- the composer --------------------------------------------------------------------------


def test_composer_offers_the_topics_letters_first(client, mine, adviser):
    client.force_login(adviser.user)
    response = client.get(url("letter_compose", mine.reference))

    assert response.status_code == 200
    names = [c.template.slug for c in response.context["choices"]]
    assert names[0] == "acv-interim-moratorium"  # the enquiry is about a notice of sale
    assert "general-reply" in names
    # The composer shows the contact's name and address: a view of personal data, logged.
    logged = PersonalDataAccess.objects.filter(enquiry=mine).values_list("viewer", "channel")
    assert list(logged) == [(adviser.user.pk, "page")]


def test_composer_fills_in_the_letter_and_flags_missing_data(client, mine, adviser):
    client.force_login(adviser.user)
    response = client.get(
        url("letter_compose", mine.reference), {"template": "acv-interim-moratorium"}
    )

    assert response.status_code == 200
    body = response.context["form"].initial["body"]
    assert body.startswith("Dear Sam Green,")
    page = response.content.decode()
    assert "This letter cannot be issued yet" in page
    assert "deadlines.acv_interim_moratorium" in page
    assert 'href="#id_body"' in page and '<label for="id_body"' in page


def test_composer_and_bulk_pages_label_every_control(client, mine, adviser, manager):
    from tests.casework.test_desk_views import unlabelled_controls

    client.force_login(adviser.user)
    compose = client.get(url("letter_compose", mine.reference), {"template": "general-reply"})
    assert unlabelled_controls(compose.content.decode()) == []
    client.force_login(manager.user)
    bulk = client.get(
        url("letter_bulk"),
        {"template": "acv-interim-moratorium", "rule": "acv-interim-moratorium", "within_days": 14},
    )
    assert bulk.status_code == 200
    assert unlabelled_controls(bulk.content.decode()) == []


def test_composer_flags_the_templates_note_to_the_adviser_beside_missing_data(
    client, mine, adviser
):
    client.force_login(adviser.user)
    response = client.get(url("letter_compose", mine.reference), {"template": "general-reply"})

    assert response.status_code == 200
    assert response.context["missing"] == []
    assert response.context["instructions"] == [
        "[Write your advice here in plain English: what the group as…"
    ]
    page = response.content.decode()
    summary = page[page.index('id="error-summary"') : page.index('id="letter-heading"')]
    assert "This letter cannot be issued yet" in summary
    assert '<a href="#id_body">The template\'s note to you is still in the text' in summary
    assert "Record a key date" not in summary  # nothing is missing from the record


def test_issue_with_the_templates_note_left_in_is_a_400_with_the_text_kept(client, mine, adviser):
    client.force_login(adviser.user)
    filled = letters_services.letter_compose(
        enquiry=mine, template_version=version("general-reply"), actor=adviser.user
    )
    data = form_data(mine, adviser.user, "general-reply", body=filled.body + "\n\nMy own P.S.")

    response = client.post(url("letter_issue", mine.reference), data)

    assert response.status_code == 400
    page = response.content.decode()
    summary = page[page.index('id="error-summary"') : page.index('id="letter-heading"')]
    assert '<a href="#id_body">Letter text: The letter still has the template' in summary
    assert "replace it with your own text" in summary
    form = response.context["form"]
    assert form.errors["body"] and form.data["body"].endswith("My own P.S.")  # kept as typed
    assert "My own P.S.</textarea>" in page
    assert not Letter.objects.exists()


@pytest.fixture
def fetching_letterhead(monkeypatch):
    """A letterhead that asks for a local file: the renderer refuses the whole document."""
    real = letters_services.letter_html

    def letter_html(**kwargs):
        return real(**kwargs).replace("</body>", '<img src="file:///etc/passwd"></body>')

    monkeypatch.setattr(letters_services, "letter_html", letter_html)


def test_a_refused_render_is_a_400_in_the_composer_and_the_api_not_a_crash(
    client, api_client, mine, adviser, notice, fetching_letterhead
):
    client.force_login(adviser.user)
    data = form_data(mine, adviser.user)
    issued = client.post(url("letter_issue", mine.reference), data)
    previewed = client.post(url("letter_preview", mine.reference), data)
    api_client.force_authenticate(adviser.user)
    posted = api_client.post(
        api("enquiry-letters", mine.reference),
        {"template": "acv-interim-moratorium"},
        format="json",
    )

    assert issued.status_code == 400 and previewed.status_code == 400
    assert issued.context["form"].errors["body"] == [letters_services.REFUSED_MESSAGE]
    assert "letters may not use" in issued.content.decode()
    assert issued.context["form"].data["body"] == data["body"]  # kept
    assert posted.status_code == 400 and posted.json()["body"] == [letters_services.REFUSED_MESSAGE]
    assert not Letter.objects.exists()


def test_composer_ticks_large_print_when_the_needs_say_so(client, submit, adviser):
    enquiry = submit(
        accessibility_needs="Partially sighted: large print please", accessibility_consent=True
    )
    client.force_login(adviser.user)
    response = client.get(url("letter_compose", enquiry.reference), {"template": "general-reply"})
    assert response.context["form"].initial["large_print"] is True


def test_preview_returns_the_pdf_inline_and_keeps_nothing(client, mine, adviser, notice):
    client.force_login(adviser.user)
    data = form_data(mine, adviser.user, body="Dear Sam Green,\n\nA preview only.")
    response = client.post(url("letter_preview", mine.reference), data)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Cache-Control"] == "no-store"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "A preview only." in text
    assert not Letter.objects.exists()


def test_issue_in_the_browser_then_download_to_print(client, mine, adviser, notice):
    client.force_login(adviser.user)
    response = client.post(
        url("letter_issue", mine.reference), form_data(mine, adviser.user, large_print="on")
    )

    letter = Letter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("letter", mine.reference, letter.pk)
    assert letter.large_print and letter.state == Letter.State.ISSUED
    page = client.get(url("enquiry", mine.reference)).content.decode()
    assert letter.title in page and url("letter_download", mine.reference, letter.pk) in page

    download = client.get(url("letter_download", mine.reference, letter.pk))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download.content == letter.pdf.read()
    assert EnquiryEvent.objects.filter(
        enquiry=mine, kind=EnquiryEvent.Kind.LETTER_DOWNLOADED, actor=adviser.user
    ).exists()


def test_issue_with_missing_data_is_a_400_naming_it_and_nothing_saved(client, mine, adviser):
    client.force_login(adviser.user)
    response = client.post(url("letter_issue", mine.reference), form_data(mine, adviser.user))

    assert response.status_code == 400
    assert "deadlines.acv_interim_moratorium" in response.content.decode()
    assert response.context["form"].data["body"].startswith("Dear Sam Green")  # kept
    assert not Letter.objects.exists()


def test_issue_with_an_empty_body_is_a_400(client, mine, adviser):
    client.force_login(adviser.user)
    response = client.post(
        url("letter_issue", mine.reference), form_data(mine, adviser.user, "general-reply", body="")
    )
    assert response.status_code == 400
    assert not Letter.objects.exists()


def test_adviser_cannot_issue_on_someone_elses_enquiry(client, theirs, adviser, other_adviser):
    client.force_login(adviser.user)
    data = form_data(theirs, other_adviser.user, "general-reply")
    assert client.get(url("letter_compose", theirs.reference)).status_code == 404
    assert client.post(url("letter_issue", theirs.reference), data).status_code == 404
    assert client.post(url("letter_preview", theirs.reference), data).status_code == 404
    letter = issue(theirs, other_adviser.user)
    assert client.get(url("letter_download", theirs.reference, letter.pk)).status_code == 404
    assert Letter.objects.count() == 1


def test_anonymous_signs_in_and_outsider_is_refused(client, mine, outsider):
    assert client.get(url("letter_compose", mine.reference)).status_code == 302
    client.force_login(outsider)
    assert client.get(url("letter_compose", mine.reference)).status_code == 403


def test_unknown_template_is_a_404(client, mine, adviser):
    client.force_login(adviser.user)
    response = client.get(url("letter_compose", mine.reference), {"template": "no-such"})
    assert response.status_code == 404


def test_letters_list_query_count_is_constant(client, mine, adviser, django_assert_max_num_queries):
    client.force_login(adviser.user)
    issue(mine, adviser.user)
    with django_assert_max_num_queries(16) as one:
        client.get(url("letter_compose", mine.reference))
    for _ in range(4):
        issue(mine, adviser.user)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url("letter_compose", mine.reference))
    assert len(response.context["letters"]) == 5


def test_enquiry_page_lists_letters_in_constant_queries(
    client, mine, adviser, django_assert_max_num_queries
):
    client.force_login(adviser.user)
    issue(mine, adviser.user)
    with django_assert_max_num_queries(80) as one:
        client.get(url("enquiry", mine.reference))
    for _ in range(4):
        issue(mine, adviser.user)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(url("enquiry", mine.reference)).content.decode()
    assert page.count('/pdf/">Download') == 5
    assert url("letter_compose", mine.reference) in page


def test_letter_from_a_case_records_the_case_and_uses_its_asset(client, api_client, mine, adviser):
    from casework.cases.services import case_open_from_enquiry

    case = case_open_from_enquiry(enquiry=mine, actor=adviser.user, title="The Red Lion bid")
    case.asset_name = "The Red Lion Inn"
    case.save()
    client.force_login(adviser.user)
    page = client.get(url("case", case.pk)).content.decode()
    assert f"{url('letter_compose', mine.reference)}?case={case.pk}" in page

    data = form_data(mine, adviser.user, "acv-how-to-nominate")
    response = client.get(
        url("letter_compose", mine.reference), {"template": "acv-how-to-nominate", "case": case.pk}
    )
    assert "The Red Lion Inn" in response.context["form"].initial["body"]
    client.post(url("letter_issue", mine.reference), {**data, "case": case.pk})
    letter = Letter.objects.get()
    assert letter.case == case
    api_client.force_authenticate(adviser.user)
    listed = api_client.get(reverse("api:case-letters", args=[case.pk])).json()
    assert [row["id"] for row in listed["results"]] == [letter.pk]


def test_a_case_that_does_not_hold_the_enquiry_is_a_404(client, mine, submit, adviser):
    from casework.cases.services import case_open_from_enquiry

    other = submit(email="other@example.org", subject="Another pub")
    case = case_open_from_enquiry(enquiry=other, actor=adviser.user, title="Another bid")
    client.force_login(adviser.user)
    response = client.get(
        url("letter_compose", mine.reference), {"template": "general-reply", "case": case.pk}
    )
    assert response.status_code == 404


# --- the API -----------------------------------------------------------------------------------


def api(name: str, *args) -> str:
    return reverse(f"api:{name}", args=args)


def test_api_issues_lists_and_downloads(api_client, mine, adviser, notice):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(
        api("enquiry-letters", mine.reference),
        {"template": "acv-interim-moratorium", "publish": False},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "issued" and body["template"] == "acv-interim-moratorium"
    assert body["pages"] >= 1 and len(body["sha256"]) == 64

    listed = api_client.get(api("enquiry-letters", mine.reference)).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]

    pdf = api_client.get(api("enquiry-letter-download", mine.reference, body["id"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")


def test_api_refuses_missing_placeholders_and_unknown_templates_with_json_400(
    api_client, mine, adviser
):
    api_client.force_authenticate(adviser.user)
    missing = api_client.post(
        api("enquiry-letters", mine.reference),
        {"template": "acv-interim-moratorium"},
        format="json",
    )
    assert missing.status_code == 400
    assert "deadlines.acv_interim_moratorium" in missing.json()["body"][0]
    unknown = api_client.post(
        api("enquiry-letters", mine.reference), {"template": "nope"}, format="json"
    )
    assert unknown.status_code == 400 and "template" in unknown.json()
    assert not Letter.objects.exists()


def test_api_refuses_the_templates_note_to_the_adviser_with_json_400_on_body(
    api_client, mine, adviser
):
    api_client.force_authenticate(adviser.user)
    as_filled = api_client.post(
        api("enquiry-letters", mine.reference), {"template": "general-reply"}, format="json"
    )
    typed = api_client.post(
        api("enquiry-letters", mine.reference),
        {"template": "general-reply", "body": "Dear Sam,\n\n[Add the council's dates]"},
        format="json",
    )
    written = api_client.post(
        api("enquiry-letters", mine.reference),
        {"template": "general-reply", "body": "Dear Sam,\n\nYou can nominate the pub."},
        format="json",
    )

    assert as_filled.status_code == 400
    assert "[Write your advice here" in as_filled.json()["body"][0]
    assert typed.status_code == 400
    assert "“[Add the council's dates]”: replace it" in typed.json()["body"][0]
    assert written.status_code == 201
    assert Letter.objects.count() == 1


def test_api_someone_elses_enquiry_is_404_and_anonymous_401(
    api_client, theirs, adviser, other_adviser
):
    letter = issue(theirs, other_adviser.user)
    assert api_client.get(api("enquiry-letters", theirs.reference)).status_code in (401, 403)
    api_client.force_authenticate(adviser.user)
    assert api_client.get(api("enquiry-letters", theirs.reference)).status_code == 404
    assert (
        api_client.post(
            api("enquiry-letters", theirs.reference), {"template": "general-reply"}, format="json"
        ).status_code
        == 404
    )
    assert (
        api_client.get(api("enquiry-letter-download", theirs.reference, letter.pk)).status_code
        == 404
    )


def test_api_letter_list_query_count_is_constant(
    api_client, mine, adviser, django_assert_max_num_queries
):
    api_client.force_authenticate(adviser.user)
    issue(mine, adviser.user)
    with django_assert_max_num_queries(12) as one:
        api_client.get(api("enquiry-letters", mine.reference))
    for _ in range(4):
        issue(mine, adviser.user)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = api_client.get(api("enquiry-letters", mine.reference))
    assert response.json()["count"] == 5


def test_a_teammate_may_issue_to_print_but_not_send_it_to_the_group(client, mine, teammate, notice):
    """Writing to the group is the holder's (or a manager's) call, as for updates."""
    client.force_login(teammate.user)
    data = form_data(mine, teammate.user, slug="general-reply")

    sent = client.post(url("letter_issue", mine.reference), {**data, "publish": "on"})
    printed = client.post(url("letter_issue", mine.reference), data)

    assert sent.status_code == 400
    assert "Only the adviser holding this enquiry" in sent.content.decode()
    assert printed.status_code == 302
    letter = Letter.objects.get()
    assert letter.published_at is None and letter.emailed_at is None
    assert not mine.messages.filter(sender="desk").exists()


def test_a_letter_whose_file_is_gone_is_a_404_not_a_500(client, api_client, mine, adviser):
    letter = issue(mine, adviser.user)
    letter.pdf.storage.delete(letter.pdf.name)
    client.force_login(adviser.user)
    api_client.force_authenticate(adviser.user)

    page = client.get(url("letter_download", mine.reference, letter.pk))
    api = api_client.get(f"/api/v1/enquiries/{mine.reference}/letters/{letter.pk}/download/")

    assert (page.status_code, api.status_code) == (404, 404)
