"""``QuickSelect`` renders exactly what Django's ``Select`` does, only faster."""

import re

import pytest
from django import forms

from config.widgets import QuickSelect, QuickSelectMultiple
from enquiries.intake.forms import EnquiryForm

CHOICES = [
    ("", "Not sure"),
    ("Assets", [("acv", "Right to Bid & <listing>"), ("sale", 'Notice of "sale"')]),
    ("plan", "Neighbourhood plan"),
]


def squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


@pytest.mark.parametrize("value", [None, "", "sale", "plan", ["acv", "plan"]])
def test_the_same_markup_as_djangos_select(value):
    attrs = {"id": "id_topic", "required": True, "aria-describedby": "id_topic_helptext"}
    for multiple in (False, True):
        if multiple:
            plain = forms.SelectMultiple(choices=CHOICES)
            quick = QuickSelectMultiple(choices=CHOICES)
        else:
            plain, quick = forms.Select(choices=CHOICES), QuickSelect(choices=CHOICES)
        expected = squeeze(plain.render("topic", value, attrs))
        assert squeeze(quick.render("topic", value, attrs)) == expected


def test_disabled_and_false_attributes_match_too():
    attrs = {"disabled": True, "autofocus": False, "data-x": "1 < 2"}
    plain = forms.Select(choices=CHOICES).render("t", "plan", attrs)
    assert squeeze(QuickSelect(choices=CHOICES).render("t", "plan", attrs)) == squeeze(plain)


@pytest.mark.django_db
def test_the_public_form_keeps_what_was_chosen_after_an_error(enquiry_data):
    form = EnquiryForm(data={**enquiry_data, "subject": ""})
    assert not form.is_valid()
    html = str(form["local_authority"]) + str(form["topic"]) + str(form["organisation_type"])
    assert '<option value="west-lindsey" selected>' in html
    assert '<option value="acv-notice-of-sale" selected>' in html
    assert '<option value="community_group" selected>' in html
    assert html.count(" selected") == 3


@pytest.mark.django_db
def test_the_queue_filters_lists_render_as_djangos_select_would(areas, topics, teams):
    """The queue's filter form shows 317 council areas on every page view: drawn by
    ``QuickSelect``, the same markup, the chosen area kept."""
    from casework.queue.filters import EnquiryFilter
    from enquiries.models import Enquiry

    area = next(iter(areas.values()))
    filters = EnquiryFilter({"area": area.slug}, queryset=Enquiry.objects.none())
    for name in ("topic", "area", "region", "adviser", "team", "also_about"):
        field = filters.form[name]
        assert isinstance(field.field.widget, QuickSelect), name
        plain = forms.Select(choices=list(field.field.choices))
        expected = plain.render(field.html_name, field.value(), field.build_widget_attrs({}))
        assert squeeze(str(field)).replace(' id="id_' + name + '"', "") == squeeze(expected), name
    assert f'<option value="{area.slug}" selected>' in str(filters.form["area"])


@pytest.mark.django_db
def test_the_staff_edit_forms_lists_render_as_djangos_select_would(submit):
    """The enquiry's edit form lists every council area and topic: drawn by
    ``QuickSelect``, the same markup, the enquiry's own kept selected."""
    from casework.enquiry.forms import EnquiryEditForm

    enquiry = submit()
    form = EnquiryEditForm(initial=EnquiryEditForm.initial_from(enquiry))
    for name in ("topic", "local_authority"):
        field = form[name]
        assert isinstance(field.field.widget, QuickSelect), name
        plain = forms.Select(choices=list(field.field.choices))
        expected = plain.render(field.html_name, field.value(), field.build_widget_attrs({}))
        assert squeeze(str(field)).replace(f' id="id_{name}"', "") == squeeze(expected), name
    assert f'<option value="{enquiry.local_authority_id}" selected>' in str(form["local_authority"])
    assert f'<option value="{enquiry.topic_id}" selected>' in str(form["topic"])
