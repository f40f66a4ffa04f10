"""Issue 13: no line break survives in single-line text, whichever way it is written."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.clocks.services import key_date_record
from config.single_line import single_line
from enquiries.models import Contact, Enquiry, Organisation


def test_every_kind_of_line_break_becomes_one_space():
    assert single_line("a\r\nb\n\nc\rd\u2028e\x0bf\x85g") == "a b c d e f g"
    assert single_line("plain") == "plain"


@pytest.mark.django_db
def test_the_public_form_stores_one_line_subjects_and_names_but_keeps_the_message(
    client, enquiry_data
):
    response = client.post(
        reverse("enquiries:enquire"),
        {
            **enquiry_data,
            "subject": "Our pub\r\nBcc: victim@example.org",
            "contact_name": "Sam\nGreen",
            "message": "First line.\r\nSecond line.",
            "consent_to_store": "on",
        },
    )
    assert response.status_code == 302
    enquiry = Enquiry.objects.get()
    assert enquiry.subject == "Our pub Bcc: victim@example.org"
    assert enquiry.contact.name == "Sam Green"
    assert "\n" in enquiry.message  # a text field keeps its lines


@pytest.mark.django_db
def test_the_api_and_the_services_too(api_client, enquiry_data, submit, adviser):
    response = api_client.post(
        "/api/v1/enquiries/",
        {**enquiry_data, "organisation_name": "Friends of\nthe Red Lion", "consent_to_store": True},
        format="json",
    )
    assert response.status_code == 201
    assert Organisation.objects.filter(name="Friends of the Red Lion").exists()
    assert not Contact.objects.filter(name__contains="\n").exists()

    enquiry = submit()
    key_date = key_date_record(
        enquiry=enquiry,
        trigger="disposal-notice-received",
        date=timezone.localdate() - timedelta(days=3),
        actor=adviser.user,
        note="Notice came\r\nby post",
    )
    key_date.refresh_from_db()
    assert key_date.note == "Notice came by post"
