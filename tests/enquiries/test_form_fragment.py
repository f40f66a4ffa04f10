"""The blank public form's fields are built once per reference version (issue 12)."""

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from enquiries.intake import fragments
from enquiries.intake.forms import EnquiryForm
from knowledgebase.models import LocalAuthority, Topic
from knowledgebase.reference_data import reference_data

ENQUIRE = reverse("enquiries:enquire")


def test_the_kept_fields_are_the_markup_the_template_draws(areas):
    request = RequestFactory().get(ENQUIRE)
    kept = fragments.blank_form_fields(EnquiryForm(), request)
    drawn = render_to_string(fragments.FIELDS_TEMPLATE, {"form": EnquiryForm()}, request=request)
    assert kept == drawn
    assert 'name="local_authority"' in kept and 'name="topic"' in kept


def test_a_blank_form_reads_no_list_from_the_database(client, areas, django_assert_num_queries):
    client.get(ENQUIRE)
    with django_assert_num_queries(0):  # the version is in the cache (locmem in tests)
        response = client.get(ENQUIRE)
    assert response.status_code == 200
    assert 'name="local_authority"' in response.content.decode()


def test_a_renamed_area_or_topic_shows_once_the_change_commits(
    client, areas, django_capture_on_commit_callbacks
):
    area = LocalAuthority.objects.filter(is_active=True).order_by("name").first()
    topic = Topic.objects.filter(is_active=True, parent__isnull=False).first()
    assert area.name in client.get(ENQUIRE).content.decode()
    before = reference_data().version

    with django_capture_on_commit_callbacks(execute=True):
        area.name = "Borsetshire Unitary"
        area.save()
    with django_capture_on_commit_callbacks(execute=True):
        topic.name = "Saving a village shop"
        topic.save()

    assert reference_data().version != before
    page = client.get(ENQUIRE).content.decode()
    assert "Borsetshire Unitary" in page and "Saving a village shop" in page


def test_an_area_withdrawn_from_the_list_leaves_the_form(
    client, areas, django_capture_on_commit_callbacks
):
    area = LocalAuthority.objects.filter(is_active=True).order_by("name").first()
    assert f'value="{area.slug}"' in client.get(ENQUIRE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        area.is_active = False
        area.save(update_fields=["is_active"])
    assert f'value="{area.slug}"' not in client.get(ENQUIRE).content.decode()


def test_a_form_with_errors_is_drawn_afresh_with_what_was_typed(client, areas):
    client.get(ENQUIRE)
    response = client.post(ENQUIRE, {"organisation_name": "Ambridge Residents"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="Ambridge Residents"' in body and "field-error" in body
    # ...and the next visitor still gets a blank form.
    assert "Ambridge Residents" not in client.get(ENQUIRE).content.decode()
