"""The public form: a group submits an enquiry and gets its reference."""

import pytest
from django.core import mail
from django.urls import reverse

from enquiries.models import Channel, Enquiry, Notification, Status

pytestmark = pytest.mark.django_db


def test_group_submits_enquiry_and_sees_reference(
    client, enquiry_data, adviser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("enquiries:enquire"), {**enquiry_data, "consent_to_store": "on"}
        )
    assert response.status_code == 302
    enquiry = Enquiry.objects.get()
    assert enquiry.reference.startswith("CR-")
    assert enquiry.channel == Channel.WEB
    assert enquiry.assigned_to == adviser.user
    assert enquiry.status == Status.IN_PROGRESS

    page = client.get(response["Location"])
    assert enquiry.reference in page.content.decode()
    assert page["Cache-Control"] == "no-store"

    assert len(mail.outbox) == 1
    assert enquiry.reference in mail.outbox[0].subject
    assert Notification.objects.get().sent_at is not None


def test_missing_fields_are_reported_per_field_and_nothing_is_saved(client):
    response = client.post(reverse("enquiries:enquire"), {"email": "not-an-email"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert 'href="#id_email"' in body
    assert response.context["form"].errors["email"]
    assert Enquiry.objects.count() == 0
