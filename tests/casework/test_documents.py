"""Documents on an enquiry and updates to the group, from the desk and the API.

Staff-only documents: checked by their content (oversize, an executable, HTML or SVG called
.pdf are refused with a clear message and nothing is kept), served only as downloads to
staff who can see the enquiry. Updates to the group: on the timeline with their
documents, the first response, an email owed to the contact; the messages endpoint never
returns an internal note.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.workspace import services as services_workspace
from enquiries.models import Attachment, EnquiryEvent, Message, Notification
from tests.casework.test_desk_views import unlabelled_controls

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def page(enquiry) -> str:
    return reverse("casework:enquiry", args=[enquiry.reference])


def doc_url(enquiry) -> str:
    return reverse("casework:document_add", args=[enquiry.reference])


def download_url(attachment) -> str:
    return reverse("casework:document_download", args=[attachment.enquiry.reference, attachment.pk])


def msg_url(enquiry) -> str:
    return reverse("casework:message_publish", args=[enquiry.reference])


def api(enquiry, what: str) -> str:
    return f"/api/v1/enquiries/{enquiry.reference}/{what}/"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- staff documents ------------------------------------------------------------------------------


def test_a_staff_document_is_kept_listed_and_on_the_timeline(client, adviser, mine):
    client.force_login(adviser.user)
    response = client.post(doc_url(mine), {"doc-file": upload("Title deeds.pdf", PDF)})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.message is None and attachment.uploaded_by == adviser.user
    assert attachment.original_name == "Title deeds.pdf"
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    assert "Title deeds" not in attachment.file.name  # stored under a generated name

    html = client.get(page(mine)).text
    assert download_url(attachment) in html and "Document (staff only)" in html
    documents = client.get(page(mine) + "?show=documents").text
    assert "Title deeds.pdf" in documents


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "does not contain what its name says"),
        ("letter.pdf", b"<!DOCTYPE html><html><script>alert(1)</script>", "does not contain"),
        ("plan.pdf", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "does not"),
        ("virus.exe", b"MZ\x90\x00", "is not a type we accept"),
        ("page.txt", b"<html><body>hi</body></html>", "does not contain"),
    ],
)
def test_a_disguised_or_dangerous_file_is_refused_and_nothing_kept(
    client, adviser, mine, name, content, says
):
    client.force_login(adviser.user)
    response = client.post(doc_url(mine), {"doc-file": upload(name, content)})
    assert response.status_code == 400
    assert says in response.text and 'href="#id_doc-file"' in response.text
    assert not Attachment.objects.exists()
    assert not EnquiryEvent.objects.filter(kind="attachment_added").exists()


def test_an_oversize_file_is_refused_with_the_limit(client, settings, adviser, mine):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    client.force_login(adviser.user)
    big = PDF + b"0" * (1024 * 1024)
    response = client.post(doc_url(mine), {"doc-file": upload("big.pdf", big)})
    assert response.status_code == 400
    assert "is larger than 1 MB" in response.text
    assert not Attachment.objects.exists()


def test_a_download_is_an_attachment_with_safe_headers(client, adviser, mine):
    client.force_login(adviser.user)
    client.post(doc_url(mine), {"doc-file": upload("Notice.pdf", PDF)})
    attachment = Attachment.objects.get()
    response = client.get(download_url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="Notice.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"


def test_documents_are_for_staff_who_can_see_the_enquiry(
    client, adviser, other_adviser, outsider, mine, theirs
):
    client.force_login(other_adviser.user)
    client.post(doc_url(theirs), {"doc-file": upload("Theirs.pdf", PDF)})
    theirs_doc = Attachment.objects.get()
    client.force_login(adviser.user)
    assert client.get(download_url(theirs_doc)).status_code == 404
    assert client.post(doc_url(theirs), {"doc-file": upload("x.pdf", PDF)}).status_code == 404
    missing = reverse("casework:document_download", args=[mine.reference, theirs_doc.pk])
    assert client.get(missing).status_code == 404  # not this enquiry's document
    client.force_login(outsider)
    assert client.get(download_url(theirs_doc)).status_code == 403
    client.logout()
    assert client.get(download_url(theirs_doc)).status_code == 302
    assert Attachment.objects.count() == 1


def test_the_documents_api_lists_uploads_and_downloads(api_client, adviser, mine, theirs):
    api_client.force_authenticate(adviser.user)
    created = api_client.post(
        api(mine, "attachments"), {"file": upload("Map.png", PNG)}, format="multipart"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["content_type"] == "image/png" and body["public"] is False
    listed = api_client.get(api(mine, "attachments")).json()
    assert [a["original_name"] for a in listed["results"]] == ["Map.png"]
    download = api_client.get(f"{api(mine, 'attachments')}{body['id']}/download/")
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert api_client.get(api(theirs, "attachments")).status_code == 404


def test_the_documents_api_refuses_a_disguised_file_with_a_400(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(
        api(mine, "attachments"),
        {"file": upload("report.pdf", b"<html><body>x</body></html>")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "does not contain what its name says" in response.json()["file"][0]
    missing = api_client.post(api(mine, "attachments"), {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()
    assert not Attachment.objects.exists()


# --- updates to the group -------------------------------------------------------------------------


def test_an_update_to_the_group_is_on_the_timeline_with_its_document(client, adviser, mine):
    client.force_login(adviser.user)
    response = client.post(
        msg_url(mine),
        {
            "msg-body": "Here is our guidance on the moratorium.",
            "msg-files": [upload("Guidance.pdf", PDF)],
            "submission_key": "k1",
        },
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.sender == "desk" and message.author == adviser.user
    [attachment] = message.attachments.all()
    assert attachment.original_name == "Guidance.pdf"

    html = client.get(page(mine) + "?show=messages").text
    assert "Here is our guidance on the moratorium." in html
    assert download_url(attachment) in html


def test_an_update_is_the_first_response_and_owes_the_contact_an_email(client, adviser, mine):
    client.force_login(adviser.user)
    assert mine.first_response_at is None
    client.post(msg_url(mine), {"msg-body": "We have your enquiry.", "submission_key": "k2"})
    mine.refresh_from_db()
    message = Message.objects.get()
    assert mine.first_response_at == message.created_at
    owed = Notification.objects.get(kind=Notification.Kind.UPDATE_PUBLISHED)
    assert owed.recipient == mine.contact.email and owed.enquiry == mine


def test_the_same_submission_twice_publishes_once(client, adviser, mine):
    client.force_login(adviser.user)
    for _ in range(2):
        client.post(msg_url(mine), {"msg-body": "Once.", "submission_key": "same"})
    assert Message.objects.count() == 1


def test_waiting_for_the_group_also_moves_the_status(client, adviser, mine):
    client.force_login(adviser.user)
    client.post(
        msg_url(mine),
        {"msg-body": "Please send the notice.", "msg-awaiting_group": "on", "submission_key": "k"},
    )
    mine.refresh_from_db()
    assert mine.status == "awaiting_group"


def test_an_empty_update_or_a_bad_file_sends_nothing(client, adviser, mine):
    client.force_login(adviser.user)
    empty = client.post(msg_url(mine), {"msg-body": "  ", "submission_key": "a"})
    assert empty.status_code == 400 and "Write the update to the group." in empty.text
    bad = client.post(
        msg_url(mine),
        {
            "msg-body": "With a bad file",
            "msg-files": [upload("x.pdf", b"MZ\x90")],
            "submission_key": "b",
        },
    )
    assert bad.status_code == 400 and "does not contain what its name says" in bad.text
    assert 'value="b"' in bad.text  # the same key: a resubmission still publishes once
    assert not Message.objects.exists() and not Attachment.objects.exists()
    assert not Notification.objects.filter(kind="update_published").exists()


def test_only_the_holder_or_a_manager_writes_to_the_group(client, teammate, mine):
    client.force_login(teammate.user)
    response = client.post(msg_url(mine), {"msg-body": "Hello", "submission_key": "t"})
    assert response.status_code == 403
    assert "Send an update to the group" not in client.get(page(mine)).text
    assert not Message.objects.exists()


def test_the_messages_api_never_returns_internal_notes(api_client, adviser, mine):
    services_workspace.note_add(enquiry=mine, body="INTERNAL: do not share", actor=adviser.user)
    api_client.force_authenticate(adviser.user)
    created = api_client.post(
        api(mine, "messages"), {"body": "Public reply", "submission_key": "api-1"}, format="json"
    )
    assert created.status_code == 201, created.json()
    listed = api_client.get(api(mine, "messages"))
    assert listed.status_code == 200
    assert [m["body"] for m in listed.json()["results"]] == ["Public reply"]
    assert "INTERNAL" not in listed.content.decode()


def test_the_messages_api_takes_files_and_refuses_bad_input(api_client, adviser, teammate, mine):
    api_client.force_authenticate(adviser.user)
    created = api_client.post(
        api(mine, "messages"),
        {"body": "With a map", "files": [upload("Map.png", PNG)]},
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    assert [a["original_name"] for a in created.json()["attachments"]] == ["Map.png"]
    assert api_client.post(api(mine, "messages"), {"body": ""}, format="json").status_code == 400
    api_client.force_authenticate(teammate.user)
    assert api_client.post(api(mine, "messages"), {"body": "x"}, format="json").status_code == 403
    assert Message.objects.count() == 1


def _publish_and_keep(client, enquiry, number: int) -> None:
    client.post(
        msg_url(enquiry),
        {
            "msg-body": f"Update {number}",
            "msg-files": [upload(f"{number}.pdf", PDF)],
            "submission_key": f"q{number}",
        },
    )
    client.post(doc_url(enquiry), {"doc-file": upload(f"staff{number}.pdf", PDF)})


def test_the_page_with_documents_runs_a_constant_number_of_queries(
    client, adviser, mine, django_assert_num_queries
):
    """One update and one staff document, then ten of each: the same queries."""
    client.force_login(adviser.user)
    _publish_and_keep(client, mine, 0)
    client.get(page(mine))  # the reference lists are read once, then held
    with CaptureQueriesContext(connection) as one:
        client.get(page(mine))
    small = len(one.captured_queries)  # now: the next request clears the log
    for number in range(1, 10):
        _publish_and_keep(client, mine, number)
    with django_assert_num_queries(small):
        response = client.get(page(mine))
    assert response.text.count("Update ") >= 10 and response.text.count("staff9.pdf") >= 1


def test_the_document_and_update_forms_label_every_control(client, adviser, mine):
    client.force_login(adviser.user)
    html = client.get(page(mine)).text
    assert 'enctype="multipart/form-data"' in html and "Send an update to the group" in html
    assert unlabelled_controls(html) == []
