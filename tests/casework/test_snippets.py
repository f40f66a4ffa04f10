"""Canned replies: managers write them (versions, placeholders checked when written);
advisers insert one into an update or a letter, filled from the enquiry, with anything
that cannot be filled flagged."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from knowledgebase.models import Snippet
from knowledgebase.snippets.services import snippet_save

pytestmark = pytest.mark.django_db

BODY = (
    "Dear {{ contact.name }}, thank you for enquiry {{ enquiry.reference }}. The interim "
    "moratorium ends on {{ deadlines.acv_interim_moratorium|date:'j F Y' }}."
)


@pytest.fixture
def snippet(topics):
    return snippet_save(
        snippet=Snippet(title="Moratorium reply", topic=topics["acv-notice-of-sale"]),
        body=BODY,
        actor=None,
    )


def test_a_manager_writes_a_snippet_and_each_change_is_a_version(client, manager, topics):
    client.force_login(manager.user)
    data = {"title": "Welcome", "topic": "", "body": "Hello {{ contact.name }}", "is_active": "on"}
    assert client.post(reverse("casework:snippet_new"), data).status_code == 302
    snippet = Snippet.objects.get(title="Welcome")
    url = reverse("casework:snippet_edit", args=[snippet.pk])
    changed = {**data, "body": "Hi {{ contact.name }}", "version": 1}
    assert client.post(url, changed).status_code == 302
    assert list(snippet.versions.values_list("number", "body")) == [
        (2, "Hi {{ contact.name }}"),
        (1, "Hello {{ contact.name }}"),
    ]
    # A second editor who opened version 1 does not overwrite version 2.
    stale = client.post(url, {**data, "body": "Mine", "version": 1})
    assert stale.status_code == 400
    assert "Someone else saved this snippet" in stale.content.decode()
    assert snippet.versions.count() == 2


def test_an_unknown_placeholder_is_refused_when_written(client, manager):
    client.force_login(manager.user)
    response = client.post(
        reverse("casework:snippet_new"),
        {"title": "Bad", "body": "Hello {{ contact.password }}", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "Unknown placeholder" in response.content.decode()
    assert not Snippet.objects.filter(title="Bad").exists()


def test_advisers_use_snippets_but_do_not_edit_them(client, adviser, snippet):
    client.force_login(adviser.user)
    assert client.get(reverse("casework:snippets")).status_code == 403
    with pytest.raises(PermissionDenied):
        snippet_save(snippet=snippet, body="x", actor=adviser.user)


def test_inserting_a_snippet_fills_it_from_the_enquiry_and_flags_the_gaps(
    client, adviser, submit, snippet
):
    enquiry = submit()
    client.force_login(adviser.user)
    url = reverse("casework:enquiry", args=[enquiry.reference])
    page = client.get(url).content.decode()
    assert "Moratorium reply" in page
    filled = client.get(url, {"snippet": snippet.pk}).content.decode()
    assert f"Dear Sam Green, thank you for enquiry {enquiry.reference}." in filled
    # No key date recorded: the moratorium's end cannot be filled, and the page says so.
    assert "could not be filled from this enquiry" in filled
    assert "deadlines.acv_interim_moratorium" in filled


def test_a_snippet_is_added_to_a_letter(client, adviser, submit, snippet):
    enquiry = submit()
    client.force_login(adviser.user)
    page = client.get(
        reverse("casework:letter_compose", args=[enquiry.reference]),
        {"template": "acv-how-to-nominate", "snippet": snippet.pk},
    )
    assert page.status_code == 200
    assert f"thank you for enquiry {enquiry.reference}" in page.content.decode()


def test_the_snippet_service_refuses_an_empty_text():
    with pytest.raises(ValidationError):
        snippet_save(snippet=Snippet(title="Empty"), body="  ", actor=None)


def test_the_shipped_snippets_use_only_published_placeholders():
    from knowledgebase.letter_engine import validate_letter_template
    from knowledgebase.selectors import letter_template_placeholders

    shipped = Snippet.objects.filter(title__in=["This is not legal advice"]).count()
    assert shipped == 1
    for snippet in Snippet.objects.prefetch_related("versions"):
        for version in snippet.versions.all():
            validate_letter_template(version.body, letter_template_placeholders())
