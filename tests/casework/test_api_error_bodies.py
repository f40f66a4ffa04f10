"""The API's refusals, whole: each body and status exactly as clients have had them.

The views no longer translate errors themselves (``config.api.exception_handler`` does), so
these pin the complete bodies, headers included, of the refusals whose path moved: a stale
edit, a claim, a transition, a deadline no longer there, refused uploads, a field-less
refusal, a busy report.
"""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from casework.clocks.services import key_date_record
from casework.reports.session import ReportUnavailable
from enquiries.models import Attachment, Message, PublicDate
from knowledgebase.models import ServiceLevelTarget

pytestmark = pytest.mark.django_db

HTML_AS_PDF = b"<html><body>x</body></html>"


def api(enquiry, what: str = "") -> str:
    return f"/api/v1/enquiries/{enquiry.reference}/" + (f"{what}/" if what else "")


def test_a_stale_edit_is_a_409_with_the_current_version_and_its_etag(
    api_client, adviser, manager, mine
):
    version = mine.version
    api_client.force_authenticate(manager.user)
    first = api_client.patch(api(mine), {"subject": "First", "version": version}, format="json")
    assert first.status_code == 200
    api_client.force_authenticate(adviser.user)

    response = api_client.patch(api(mine), {"subject": "Second", "version": version}, format="json")

    assert response.status_code == 409
    assert response["ETag"] == f'"v{version + 1}"'
    body = response.json()
    assert set(body) == {"detail", "current_version", "changed_by", "changed_at"}
    assert body["current_version"] == version + 1
    assert body["changed_by"] == manager.user.get_full_name()
    assert body["detail"].endswith("Your changes have not been saved.")
    assert isinstance(body["changed_at"], str)


def test_claiming_an_enquiry_you_hold_is_a_409_with_detail_only(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)

    response = api_client.post(api(mine, "claim"))

    assert response.status_code == 409
    assert response.json() == {"detail": "You already hold this enquiry."}


def test_a_transition_the_workflow_forbids_is_a_400_on_status(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    now = mine.get_status_display().lower()

    response = api_client.post(api(mine, "status"), {"status": "received"})

    assert response.status_code == 400
    assert response.json() == {"status": [f"An enquiry that is {now} cannot become received."]}


def test_a_status_change_by_someone_else_is_a_403_with_the_services_words(
    api_client, teammate, mine
):
    api_client.force_authenticate(teammate.user)

    response = api_client.post(api(mine, "status"), {"status": "answered"})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only the adviser holding this enquiry or a manager can change its status."
    }


def test_a_deadline_no_longer_on_the_enquiry_is_a_400_on_rule(api_client, adviser, mine):
    key_date = key_date_record(
        enquiry=mine, trigger="disposal-notice-received", date=date(2026, 3, 2), actor=adviser.user
    )
    api_client.force_authenticate(adviser.user)

    response = api_client.post(
        api(mine, "public-dates"), {"key_date": key_date.pk, "rule": 999999}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"rule": ["That deadline is no longer on this enquiry."]}
    assert not PublicDate.objects.exists()


def test_a_refused_document_is_a_400_on_file(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    upload = SimpleUploadedFile("report.pdf", HTML_AS_PDF, content_type="application/pdf")

    response = api_client.post(api(mine, "attachments"), {"file": upload}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["file"] and len(body["file"]) == 1
    assert "does not contain what its name says" in body["file"][0]
    assert not Attachment.objects.exists()


def test_a_refused_file_in_an_update_is_a_400_on_files(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    upload = SimpleUploadedFile("report.pdf", HTML_AS_PDF, content_type="application/pdf")

    response = api_client.post(
        api(mine, "messages"), {"body": "See attached", "files": [upload]}, format="multipart"
    )

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["files"] and len(body["files"]) == 1
    assert "does not contain what its name says" in body["files"][0]
    assert not Message.objects.exists()


def test_a_refusal_without_a_field_is_a_list_of_messages(api_client, manager):
    api_client.force_authenticate(manager.user)
    default = ServiceLevelTarget.objects.get(topic__isnull=True)

    response = api_client.delete(f"/api/v1/service-levels/{default.pk}/")

    assert response.status_code == 400
    assert response.json() == ["The default service level cannot be removed: change it instead."]


@pytest.mark.parametrize(
    ("retry_after", "header"), [(60, "60"), (None, None)], ids=["busy", "too-long"]
)
def test_a_report_that_cannot_be_made_now_is_a_503(
    api_client, manager, monkeypatch, retry_after, header
):
    def unavailable(*args, **kwargs):
        raise ReportUnavailable("Reports are busy.", retry_after=retry_after)

    monkeypatch.setattr("casework.reports.api.build_report", unavailable)
    api_client.force_authenticate(manager.user)

    response = api_client.get("/api/v1/reports/demand/")

    assert response.status_code == 503
    assert response.json() == {"detail": "Reports are busy."}
    assert response.get("Retry-After") == header


def test_a_filter_the_queue_cannot_apply_is_a_400_on_that_filter(api_client, manager):
    api_client.force_authenticate(manager.user)

    response = api_client.get("/api/v1/enquiries/", {"channel": "pigeon", "age": "100+"})

    assert response.status_code == 400
    assert response.json() == {
        "channel": ["Select a valid choice. pigeon is not one of the available choices."],
        "age": ["Select a valid choice. 100+ is not one of the available choices."],
    }
