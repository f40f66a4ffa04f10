"""Consents (DOMAIN.md, "Personal data"): access needs, which may be health data, are kept
only with explicit consent, on every intake path; consent to refer is recorded; the form
links a privacy notice."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from enquiries.intake.services import ACCESS_NEEDS_CONSENT_REQUIRED, EnquiryInput, enquiry_submit
from enquiries.models import Contact, Enquiry, RetentionPolicy

pytestmark = pytest.mark.django_db

NEEDS = "I am partially sighted: large print, please."


def test_the_form_refuses_access_needs_without_explicit_consent_and_keeps_the_rest(
    client, enquiry_data
):
    form = {**enquiry_data, "consent_to_store": "on", "accessibility_needs": NEEDS}

    refused = client.post(reverse("enquiries:enquire"), form)

    assert refused.status_code == 400
    html = refused.content.decode()
    assert "explicit agreement" in html and NEEDS in html  # what they wrote is still there
    assert not Enquiry.objects.exists()

    kept = client.post(
        reverse("enquiries:enquire"),
        {**form, "accessibility_consent": "on", "consent_to_refer": "on"},
    )

    assert kept.status_code == 302
    contact = Contact.objects.get()
    assert contact.accessibility_needs == NEEDS and contact.accessibility_consent
    assert contact.consent_to_refer and contact.consent_basis == Contact.ConsentBasis.FORM


def test_without_access_needs_no_extra_consent_is_asked(client, enquiry_data):
    response = client.post(reverse("enquiries:enquire"), {**enquiry_data, "consent_to_store": "on"})

    assert response.status_code == 302
    contact = Contact.objects.get()
    assert not contact.accessibility_consent and not contact.consent_to_refer


def test_the_intake_api_applies_the_same_rule(api_client, enquiry_data):
    body = {**enquiry_data, "accessibility_needs": NEEDS}

    refused = api_client.post("/api/v1/enquiries/", body, format="json")

    assert refused.status_code == 400
    assert refused.json()["accessibility_consent"] == [ACCESS_NEEDS_CONSENT_REQUIRED]
    accepted = api_client.post(
        "/api/v1/enquiries/", {**body, "accessibility_consent": True}, format="json"
    )
    assert accepted.status_code == 201
    assert Contact.objects.get().accessibility_needs == NEEDS


def test_the_service_refuses_it_whatever_calls_it(topics):
    data = EnquiryInput(
        organisation_name="Friends",
        organisation_type="community_group",
        contact_name="Sam",
        email="sam@example.org",
        subject="Pub",
        message="Help",
        consent_to_store=True,
        accessibility_needs=NEEDS,
    )
    with pytest.raises(ValidationError) as refused:
        enquiry_submit(data=data, channel="web")
    assert "accessibility_consent" in refused.value.message_dict
    assert not Contact.objects.exists()


def test_the_desk_log_form_asks_the_adviser_to_confirm_it(client, adviser, enquiry_data):
    client.force_login(adviser.user)
    form = {
        **enquiry_data,
        "channel": "phone",
        "received_at": "2026-10-14T09:00",
        "priority": "2",
        "consent_to_store": "on",
        "accessibility_needs": NEEDS,
    }

    refused = client.post(reverse("casework:enquiry_log"), form)

    assert refused.status_code == 400
    assert "explicit agreement" in refused.content.decode()
    assert not Enquiry.objects.exists()

    logged = client.post(reverse("casework:enquiry_log"), {**form, "accessibility_consent": "on"})

    assert logged.status_code == 302
    assert Contact.objects.get().accessibility_consent


def test_the_privacy_notice_is_linked_from_the_form(client, settings):
    settings.RETENTION_YEARS = 6
    form = client.get(reverse("enquiries:enquire")).content.decode()
    assert reverse("enquiries:privacy") in form

    notice = client.get(reverse("enquiries:privacy")).content.decode()
    assert "6 years after your enquiry is closed" in notice
    # The knowledge base's article is the notice, under the period in force.
    assert "How this desk handles your data" in notice
    assert "explicit consent" in notice
    assert "Information Commissioner" in notice


def test_the_privacy_notice_is_plain_text_while_the_article_is_withdrawn(client, settings):
    from knowledgebase.models import Article

    settings.RETENTION_YEARS = 6
    Article.objects.filter(slug="how-this-desk-handles-your-data").update(
        status=Article.Status.WITHDRAWN
    )

    notice = client.get(reverse("enquiries:privacy")).content.decode()

    assert "How we use your details" in notice
    assert "6 years after your enquiry is closed" in notice
    assert "explicitly" in notice


def test_the_privacy_notice_states_the_period_a_manager_set(client, settings):
    settings.RETENTION_YEARS = 6
    RetentionPolicy.objects.create(years=8)

    notice = client.get(reverse("enquiries:privacy")).content.decode()

    assert "8 years after your enquiry is closed" in notice
