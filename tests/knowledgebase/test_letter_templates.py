"""Shipped guidance letters, versioning, and who may edit them."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from knowledgebase.letter_engine import render_letter_template, validate_letter_template
from knowledgebase.models import LetterTemplate, LetterTemplateVersion
from knowledgebase.selectors import (
    letter_template_current,
    letter_template_placeholders,
    letter_templates_for,
)
from knowledgebase.services import letter_template_publish

pytestmark = pytest.mark.django_db

WORKED_EXAMPLE = {
    "today": date(2026, 3, 5),
    "contact": {"name": "Sam Green"},
    "group": {"name": "Friends of the Red Lion", "type": "Community group"},
    "enquiry": {
        "reference": "CR-2026-000123",
        "subject": "Our pub is for sale",
        "received_on": date(2026, 3, 3),
    },
    "adviser": {"name": "Ada Bryant"},
    "asset": {"name": "The Red Lion", "address": "1 High Street, Market Rasen"},
    "service": {"name": "Community Rights Desk"},
    "deadlines": {
        "acv_interim_moratorium": date(2026, 4, 12),
        "acv_full_moratorium": date(2026, 9, 1),
        "acv_protected_period": date(2027, 9, 1),
    },
}


def test_at_least_six_templates_ship_and_each_is_valid():
    allowed = letter_template_placeholders()
    templates = LetterTemplate.objects.filter(is_active=True)
    assert templates.count() >= 6
    for template in templates:
        current = letter_template_current(template)
        assert current.number == 1
        validate_letter_template(current.body, allowed)
        validate_letter_template(current.title, allowed)
        text = render_letter_template(current.body, WORKED_EXAMPLE)
        assert "Sam Green" in text and "CR-2026-000123" in text and "Ada Bryant" in text


def test_interim_moratorium_letter_gives_the_worked_example_dates_and_law():
    current = letter_template_current(LetterTemplate.objects.get(slug="acv-interim-moratorium"))
    text = render_letter_template(current.body, WORKED_EXAMPLE)
    assert "12 April 2026" in text
    assert "1 September 2026" in text
    assert "1 September 2027" in text
    assert "Localism Act 2011, section 95" in text
    assert "community interest group" in text
    assert render_letter_template(current.title, WORKED_EXAMPLE) == (
        "The sale of The Red Lion: your deadlines"
    )


def test_editing_makes_a_new_version_and_keeps_the_old(manager):
    template = LetterTemplate.objects.get(slug="general-reply")
    first = letter_template_current(template)
    second = letter_template_publish(
        template=template,
        title="Re: {{ enquiry.reference }}",
        body="Dear {{ contact.name }}, hello.",
        actor=manager.user,
    )
    assert second.number == 2 and second.created_by == manager.user
    first.refresh_from_db()
    assert first.body.startswith("Dear {{ contact.name }},")
    assert letter_template_current(template) == second


def test_a_bad_template_is_refused_and_nothing_is_saved(manager):
    template = LetterTemplate.objects.get(slug="general-reply")
    with pytest.raises(ValidationError, match="Unknown placeholder"):
        letter_template_publish(
            template=template, title="x", body="{{ settings.SECRET_KEY }}", actor=manager.user
        )
    with pytest.raises(ValidationError):
        letter_template_publish(
            template=template, title="x", body="{% load static %}", actor=manager.user
        )
    assert template.versions.count() == 1


def test_advisers_use_templates_but_cannot_edit_them(adviser):
    template = LetterTemplate.objects.get(slug="general-reply")
    with pytest.raises(PermissionDenied):
        letter_template_publish(template=template, title="x", body="y", actor=adviser.user)
    assert template.versions.count() == 1


def test_templates_for_the_enquiry_topic_come_first(topics):
    ordered = list(letter_templates_for(topics["acv-notice-of-sale"]))
    assert ordered[0].slug == "acv-interim-moratorium"
    via_parent = [t.slug for t in letter_templates_for(topics["right-to-bid"])]
    assert via_parent[0] != "general-reply"


def test_manager_edits_a_template_in_the_admin(client, manager):
    manager.user.is_staff = True
    manager.user.save(update_fields=["is_staff"])
    client.force_login(manager.user)
    template = LetterTemplate.objects.get(slug="general-reply")
    url = f"/admin/knowledgebase/lettertemplate/{template.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert "deadlines.acv_interim_moratorium" in page.content.decode()

    form = {
        "name": template.name,
        "slug": template.slug,
        "topic": "",
        "description": "",
        "is_active": "on",
        "title": "Your enquiry",
        "body": "Dear {{ contact.name }}, hi.",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "1",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
        "versions-0-id": str(letter_template_current(template).pk),
        "versions-0-template": str(template.pk),
    }
    bad = client.post(url, {**form, "body": "{{ user.password }}"})
    assert bad.status_code == 200 and "Unknown placeholder" in bad.content.decode()
    assert template.versions.count() == 1

    good = client.post(url, form)
    assert good.status_code == 302
    assert letter_template_current(template).body == "Dear {{ contact.name }}, hi."
    assert LetterTemplateVersion.objects.filter(template=template).count() == 2


def test_advisers_cannot_open_the_template_admin(client, adviser):
    adviser.user.is_staff = True
    adviser.user.save(update_fields=["is_staff"])
    client.force_login(adviser.user)
    assert client.get("/admin/knowledgebase/lettertemplate/").status_code == 403
