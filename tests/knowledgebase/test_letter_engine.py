"""Letter templates cannot reach anything but the published, plain placeholders."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from knowledgebase.letter_engine import (
    PLACEHOLDERS,
    deadline_placeholder,
    missing_placeholders,
    placeholders_used,
    published_placeholders,
    render_letter_template,
    validate_letter_template,
)

ALLOWED = [p.name for p in published_placeholders([("acv-interim-moratorium", "Interim")])]
CONTEXT = {
    "contact": {"name": "Sam <Green>"},
    "group": {"name": "Friends of the Red Lion"},
    "enquiry": {"reference": "CR-2026-000123"},
    "deadlines": {"acv_interim_moratorium": date(2026, 4, 12)},
}


def test_published_placeholders_render_with_escaping():
    source = (
        "Dear {{ contact.name }}, about {{ enquiry.reference }}: the interim moratorium "
        "ends {{ deadlines.acv_interim_moratorium|date:'j F Y' }}."
        "{% if asset.name %} ({{ asset.name }}){% endif %}"
    )
    validate_letter_template(source, ALLOWED)
    text = render_letter_template(source, CONTEXT)
    assert text == (
        "Dear Sam &lt;Green&gt;, about CR-2026-000123: the interim moratorium ends 12 April 2026."
    )
    assert deadline_placeholder("acv-interim-moratorium") in ALLOWED


@pytest.mark.parametrize(
    "source",
    [
        "{% load static %}",
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% url 'admin:index' %}",
        "{% debug %}",
        "{% for x in contact %}{{ x }}{% endfor %}",
        "{% with s=settings %}{{ s }}{% endwith %}",
        "{{ contact.name|safe }}",
        "{% autoescape off %}{{ contact.name }}{% endautoescape %}",
        "{{ contact.name.__class__ }}",
        "{% csrf_token %}",
        "{% templatetag openblock %}",
    ],
)
def test_forbidden_tags_and_filters_are_refused_at_save_time(source):
    with pytest.raises(ValidationError):
        validate_letter_template(source, ALLOWED)


@pytest.mark.parametrize(
    "source",
    [
        "{{ settings.SECRET_KEY }}",
        "{{ request.user.password }}",
        "{{ user.password }}",
        "{{ enquiry.contact.email }}",
        "{{ contact.name|default:settings.SECRET_KEY }}",
        "{% if settings.DEBUG %}x{% endif %}",
        "{% if contact.name == other_group.name %}x{% endif %}",
        "{% if not enquiry.assigned_to.password %}x{% endif %}",
    ],
)
def test_placeholders_outside_the_list_are_refused(source):
    with pytest.raises(ValidationError, match="Unknown placeholder"):
        validate_letter_template(source, ALLOWED)


def test_the_error_names_the_unknown_placeholder():
    with pytest.raises(ValidationError) as error:
        validate_letter_template("{{ contact.name }} {{ contact.password }}", ALLOWED)
    assert "{{ contact.password }}" in error.value.messages[0]
    assert "contact.name }}," not in error.value.messages[0]


def test_rendering_refuses_anything_but_plain_values(django_user_model):
    with pytest.raises(TypeError, match="plain values"):
        render_letter_template("{{ contact.name }}", {"contact": object()})
    with pytest.raises(TypeError):
        render_letter_template("{{ x }}", {"x": [1, 2]})


def test_missing_data_is_listed_before_issue():
    source = "{{ contact.name }} {{ asset.address }} {{ deadlines.acv_interim_moratorium }}"
    assert placeholders_used(source) == {
        "contact.name",
        "asset.address",
        "deadlines.acv_interim_moratorium",
    }
    assert missing_placeholders(source, CONTEXT) == ["asset.address"]
    assert missing_placeholders(source, {**CONTEXT, "asset": {"address": ""}}) == ["asset.address"]


def test_fixed_placeholders_are_documented():
    assert all(text for text in PLACEHOLDERS.values())
