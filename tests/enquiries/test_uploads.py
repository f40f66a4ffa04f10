"""Documents are accepted by their content, not their name; the rest is refused clearly."""

import io
import zipfile

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from enquiries.conversation.services import (
    attachment_add,
    attachment_add_bytes,
    attachment_response,
    message_publish,
    public_date_publish,
    public_date_withdraw,
)
from enquiries.models import Attachment, EnquiryEvent, Message, Notification
from enquiries.uploads import UploadRefused, clean_name, validate_bytes

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (PDF, "plan.pdf", "application/pdf"),
        (PNG, "photo.PNG", "image/png"),
        (b"Minutes of the meeting\n", "minutes.txt", "text/plain"),
    ],
)
def test_accepted_documents_get_the_type_their_content_has(content, name, content_type):
    detected = validate_bytes(content, name)
    assert detected.content_type == content_type
    assert detected.size == len(content)
    assert len(detected.sha256) == 64


def test_a_word_document_is_recognised_inside_its_zip():
    assert validate_bytes(docx_bytes(), "letter.docx").content_type.endswith("document")


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (EXE, "invoice.pdf", "does not contain what its name says"),
        (EXE, "setup.exe", "not a type we accept"),
        (b"<html><script>alert(1)</script></html>", "notes.txt", "does not contain"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.svg", "not a type we accept"),
        (b"<?xml version='1.0'?><svg/>", "drawing.txt", "does not contain"),
        (PDF, "plan.html", "not a type we accept"),
        (b"", "empty.pdf", "is empty"),
        (PNG, "no-extension", "not a type we accept"),
    ],
)
def test_dangerous_or_disguised_files_are_refused_with_a_reason(content, name, says):
    with pytest.raises(UploadRefused, match=says):
        validate_bytes(content, name)


def test_oversize_files_are_refused_before_reading_them_all(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024), "application/pdf")
    with pytest.raises(UploadRefused, match="larger than 1 MB"):
        validate_bytes(big.read(), big.name)


def test_names_lose_folders_and_control_characters():
    assert clean_name("../../etc/passwd\x00.pdf") == "passwd.pdf"
    assert clean_name("C:\\Users\\me\\plan.pdf") == "plan.pdf"
    assert clean_name("") == "document"
    assert len(clean_name("a" * 400 + ".pdf")) == 150
    assert clean_name("a" * 400 + ".pdf").endswith(".pdf")


@pytest.mark.django_db
def test_a_refused_upload_keeps_nothing(submit, adviser):
    enquiry = submit()
    upload = SimpleUploadedFile("virus.pdf", EXE)
    with pytest.raises(UploadRefused):
        attachment_add(enquiry=enquiry, upload=upload, actor=adviser.user)
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_stored_under_a_generated_name_and_served_as_a_download(submit, adviser, settings):
    enquiry = submit()
    upload = SimpleUploadedFile("../Our plan.pdf", PDF, "text/html")
    attachment = attachment_add(enquiry=enquiry, upload=upload, actor=adviser.user)
    assert attachment.original_name == "Our plan.pdf"
    assert "Our plan" not in attachment.file.name and ".." not in attachment.file.name
    assert attachment.content_type == "application/pdf"  # not what the browser claimed
    assert attachment.message is None  # staff-only
    response = attachment_response(attachment)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content) == PDF
    assert EnquiryEvent.objects.filter(
        enquiry=enquiry, kind=EnquiryEvent.Kind.ATTACHMENT_ADDED
    ).exists()


@pytest.mark.django_db
def test_publishing_a_message_with_documents_owes_the_group_one_email(submit, adviser):
    enquiry = submit()
    letter = attachment_add_bytes(
        enquiry=enquiry, content=PDF, name="Letter.pdf", actor=adviser.user
    )
    message = message_publish(
        enquiry=enquiry,
        body="Here is our guidance.",
        actor=adviser.user,
        files=[SimpleUploadedFile("map.png", PNG)],
        attachments=[letter],
        submission_key="k1",
    )
    assert message.sender == Message.Sender.DESK
    assert set(message.attachments.values_list("original_name", flat=True)) == {
        "map.png",
        "Letter.pdf",
    }
    again = message_publish(
        enquiry=enquiry, body="Here is our guidance.", actor=adviser.user, submission_key="k1"
    )
    assert again.pk == message.pk
    assert Message.objects.filter(enquiry=enquiry, sender="desk").count() == 1
    assert (
        Notification.objects.filter(
            enquiry=enquiry, kind=Notification.Kind.UPDATE_PUBLISHED
        ).count()
        == 1
    )
    enquiry.refresh_from_db()
    assert enquiry.first_response_at == message.created_at


@pytest.mark.django_db
def test_one_refused_file_publishes_nothing(submit, adviser):
    enquiry = submit()
    with pytest.raises(UploadRefused):
        message_publish(
            enquiry=enquiry,
            body="Two files",
            actor=adviser.user,
            files=[SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.pdf", EXE)],
        )
    assert not Message.objects.filter(enquiry=enquiry, sender="desk").exists()
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_update_email_reaches_the_group_with_the_reference(
    submit, adviser, django_capture_on_commit_callbacks
):
    enquiry = submit()
    with django_capture_on_commit_callbacks(execute=True):
        message_publish(enquiry=enquiry, body="An update", actor=adviser.user)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert enquiry.reference in email.subject
    assert email.to == [enquiry.contact.email]
    assert "/track/" in email.body and email.alternatives


@pytest.mark.django_db
def test_public_dates_are_updated_in_place_and_withdrawn(submit, adviser):
    from datetime import date

    enquiry = submit()
    first = public_date_publish(
        enquiry=enquiry,
        source="deadline:1",
        label="Ask to bid by",
        date=date(2026, 3, 1),
        actor=adviser.user,
    )
    second = public_date_publish(
        enquiry=enquiry,
        source="deadline:1",
        label="Ask to bid by",
        date=date(2026, 3, 2),
        actor=adviser.user,
        is_group_deadline=True,
    )
    assert first.pk == second.pk and second.date == date(2026, 3, 2) and second.is_group_deadline
    assert public_date_withdraw(enquiry=enquiry, source="deadline:1", actor=adviser.user)
    assert not public_date_withdraw(enquiry=enquiry, source="deadline:1", actor=adviser.user)
    assert not enquiry.public_dates.exists()


@pytest.mark.django_db
def test_a_document_whose_file_is_gone_is_a_404_not_a_500(submit, adviser):
    from django.http import Http404

    enquiry = submit()
    attachment = attachment_add_bytes(
        enquiry=enquiry, content=PDF, name="a.pdf", actor=adviser.user
    )
    attachment.file.storage.delete(attachment.file.name)
    with pytest.raises(Http404):
        attachment_response(attachment)
