"""``config.form_renderer.QuickFormRenderer`` draws what Django's form templates draw."""

import re

import pytest
import time_machine
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import override_settings
from django.utils import timezone
from django.utils.safestring import mark_safe

from config.form_renderer import QuickFormRenderer
from tests.casework.conftest import mine  # noqa: F401  # the fixture
from tests.casework.test_desk_views import add_to_the_record, page_url

DJANGO = "django.forms.renderers.DjangoTemplates"


class EveryKind(forms.Form):
    required_css_class = "required"
    label_suffix = ":"

    text = forms.CharField(label='Name & "title"', help_text=mark_safe("See <em>this</em>."))
    number = forms.IntegerField(label="How many?", required=False)
    email = forms.EmailField(
        required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    tick = forms.BooleanField(label="Tick it", required=False)
    upload = forms.FileField(required=False)
    kinds = forms.MultipleChoiceField(
        choices=[("a", "A <b>"), ("b", "B")], widget=forms.CheckboxSelectMultiple, required=False
    )
    one = forms.ChoiceField(choices=[("x", "X")], widget=forms.RadioSelect, required=False)
    note = forms.CharField(widget=forms.Textarea, required=False, disabled=True)
    nolabel = forms.CharField(
        label="",
        required=False,
        widget=forms.TextInput(attrs={"data-x": False, "spellcheck": True}),
    )


def steady(html: str) -> str:
    """A page without what differs between two requests at the same time: its tokens."""
    html = re.sub(r'name="(csrfmiddlewaretoken|submission_key)" value="[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html)


def drawn(form, renderer) -> str:
    form.renderer = renderer
    return "".join(str(field.as_field_group()) + str(field) + field.label_tag() for field in form)


@pytest.mark.parametrize(
    "data",
    [None, {"text": 'A "quoted" <name>', "number": "many", "email": "no", "day": "2026-02-30",
            "hidden": "x<y", "tick": "on", "kinds": ["a"], "one": "z"}],
)  # fmt: skip
def test_every_kind_of_field_drawn_as_djangos_templates_draw_it(data):
    ours = drawn(EveryKind(data=data, auto_id="id_%s"), QuickFormRenderer())
    theirs = drawn(EveryKind(data=data, auto_id="id_%s"), DjangoTemplates())
    assert ours == theirs
    if data:
        assert 'class="errorlist" id="id_number_error"' in ours  # errors were drawn


def test_without_ids_labels_are_plain_text():
    ours = drawn(EveryKind(auto_id=False), QuickFormRenderer())
    assert ours == drawn(EveryKind(auto_id=False), DjangoTemplates())
    assert " for=" not in ours and "Tick it" in ours


@pytest.mark.django_db
def test_the_enquiry_page_is_the_same_markup_with_either_renderer(client, adviser, mine):  # noqa: F811
    """Every form on the staff enquiry page (notes, tasks, time, key dates, outcomes,
    replies, extensions...), with the record full."""
    add_to_the_record(mine, adviser, 2)
    client.force_login(adviser.user)
    with time_machine.travel(timezone.now(), tick=False):  # the same times on both
        ours = client.get(page_url(mine)).content.decode()
        with override_settings(FORM_RENDERER=DJANGO):
            theirs = client.get(page_url(mine)).content.decode()
    assert ours.count("<input") > 20

    assert steady(ours) == steady(theirs)


@pytest.mark.django_db
def test_the_public_form_with_errors_is_the_same_markup(client):
    ours = client.post("/enquire/", {"subject": ""}).content.decode()
    with override_settings(FORM_RENDERER=DJANGO):
        theirs = client.post("/enquire/", {"subject": ""}).content.decode()
    assert 'class="errorlist"' in ours
    assert steady(ours) == steady(theirs)
