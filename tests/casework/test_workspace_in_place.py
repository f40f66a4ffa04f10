"""The enquiry page acting in place (htmx): an action posted with ``HX-Request`` answers
with the page's workspace only, carrying the action's message for the live region; a
refusal comes back in place with its errors; an action that leads to another page sends
the browser there; and the plain, no-JavaScript answers are unchanged."""

import pytest
from django.urls import reverse

from casework.models import Note
from tests.casework.test_desk_views import unlabelled_controls

pytestmark = pytest.mark.django_db


def url(enquiry, name: str = "enquiry", *args) -> str:
    return reverse(f"casework:{name}", args=[enquiry.reference, *args])


def htmx_headers(enquiry) -> dict:
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver{url(enquiry)}"}


def test_an_htmx_request_gets_the_workspace_not_the_whole_page(client, adviser, mine):
    client.force_login(adviser.user)
    whole = client.get(url(mine))
    part = client.get(url(mine), headers=htmx_headers(mine))
    assert whole.status_code == part.status_code == 200
    whole_body, part_body = whole.content.decode(), part.content.decode()
    assert "<html" in whole_body and "<html" not in part_body
    assert part_body.lstrip().startswith('<div id="enquiry-workspace"')
    # The same workspace as the whole page shows, and much less to send.
    assert 'id="composer"' in part_body and 'id="facts-heading"' in part_body
    assert len(part.content) < len(whole.content)
    assert part["Cache-Control"] == "no-store"
    assert unlabelled_controls(part_body) == []


def test_a_note_added_in_place_comes_back_with_its_message_for_the_live_region(
    client, adviser, mine
):
    client.force_login(adviser.user)
    response = client.post(
        url(mine, "note_add"),
        {"note-body": "Rang the clerk; agenda next week."},
        headers=htmx_headers(mine),
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert Note.objects.get(enquiry=mine).body == "Rang the clerk; agenda next week."
    assert "<html" not in body
    # The workspace, with the note on the timeline, and the message swapped into the
    # page's live region out of band.
    assert "Rang the clerk; agenda next week." in body
    assert '<div id="workspace-live" hx-swap-oob="innerHTML">' in body
    assert "Internal note added." in body.split('id="workspace-live"')[1]


def test_a_refused_note_comes_back_in_place_with_its_errors_and_nothing_saved(
    client, adviser, mine
):
    client.force_login(adviser.user)
    response = client.post(url(mine, "note_add"), {"note-body": ""}, headers=htmx_headers(mine))
    assert response.status_code == 400
    body = response.content.decode()
    assert "<html" not in body and 'id="error-summary"' in body
    assert "Write the note before saving it." in body
    # The composer shows the note tab again, with the error on its field.
    assert 'id="add-note"' in body
    assert not Note.objects.filter(enquiry=mine).exists()


def test_an_action_that_leads_to_another_page_sends_the_browser_there(client, manager, mine):
    client.force_login(manager.user)
    response = client.post(
        url(mine, "case_open"),
        {"case-title": "Save the Red Lion"},
        headers=htmx_headers(mine),
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/desk/cases/")


def test_without_htmx_the_same_action_redirects_as_before(client, adviser, mine):
    client.force_login(adviser.user)
    response = client.post(url(mine, "note_add"), {"note-body": "Plain post."})
    assert response.status_code == 302
    assert response["Location"] == url(mine) + "#timeline-heading"


def test_the_timeline_order_is_the_readers_choice_and_remembered(client, adviser, mine):
    client.force_login(adviser.user)
    for i in range(5):
        client.post(url(mine, "note_add"), {"note-body": f"Note {i}"})
    # By default, a conversation: newest at the bottom, the latest entries just above the
    # composer, the earlier ones a link away.
    response = client.get(url(mine), {"show": "notes"})
    assert [e.text for e in response.context["timeline"]] == ["Note 2", "Note 3", "Note 4"]
    assert response.context["timeline_hidden"] == 2
    body = response.content.decode()
    assert "Show 2 earlier entries" in body
    assert body.index('id="timeline-list-heading"') < body.index('id="composer"')
    everything = client.get(url(mine), {"show": "notes", "entries": "all"}).context["timeline"]
    assert [e.text for e in everything] == [f"Note {i}" for i in range(5)]
    # Newest first, every entry, the composer above them: chosen once, then remembered.
    response = client.get(url(mine), {"show": "notes", "order": "newest"})
    assert [e.text for e in response.context["timeline"]] == [f"Note {i}" for i in (4, 3, 2, 1, 0)]
    body = response.content.decode()
    assert body.index('id="composer"') < body.index('id="timeline-list-heading"')
    again = client.get(url(mine), {"show": "notes"})
    assert again.context["order"] == "newest" and len(again.context["timeline"]) == 5


def test_the_workspace_in_place_runs_no_more_queries_than_the_whole_page(
    client, adviser, mine, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(adviser.user)
    client.get(url(mine))  # warm the session
    with CaptureQueriesContext(connection) as whole:
        client.get(url(mine))
    with django_assert_max_num_queries(len(whole.captured_queries)):
        client.get(url(mine), headers=htmx_headers(mine))
