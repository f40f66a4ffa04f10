"""Writes for one guidance letter: preview and issue (publish, email, download). Bulk
batches and the worker's job are in ``batches``.

A letter is filled from the enquiry's record (``compose``), rendered by the locked-down
renderer (``casework.desk.pdf``) and, once issued, never changes: its PDF, checksum, size,
pages, issuer, time and template version are kept; issuing again makes a new letter.
Placeholders a letter would print as blanks (no asset address, no deadline yet) refuse the
issue, naming them, so the record is completed first; so does a template's note to the adviser
("[Write your advice here …]", ``letter_engine.ADVISER_INSTRUCTION``) left in the text.

Rendering takes a second or so and runs outside any transaction; the database work after it
is short and atomic. The file is written before the row that points at it and removed again
if that row is not kept, so a failed or duplicate issue leaves no orphan behind (a process
killed between the two can leave one unreferenced file, never a letter without its PDF).
"""

import hashlib
import logging

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from casework import policies
from casework.desk.pdf import RenderedPdf, RenderError, RenderRefused, render_pdf_document
from casework.letters.compose import (
    FilledLetter,
    fill_letter,
    instruction_message,
    letter_context,
    letter_css,
    letter_html,
    missing_data_message,
)
from casework.models import Case, Letter, LetterBatch, letter_upload_to
from config.limits import max_length
from enquiries import services as enquiries_services
from enquiries.conversation.services import attachment_add_bytes, message_publish
from enquiries.models import Enquiry, EnquiryEvent, Notification
from enquiries.notifications import notification_owe
from knowledgebase.letter_engine import (
    adviser_instructions,
    unfilled_placeholders,
)
from knowledgebase.models import LetterTemplateVersion

logger = logging.getLogger(__name__)


TITLE_MAX_LENGTH = max_length(Letter, "title")


BODY_MAX_LENGTH = 50_000


def _require_staff(actor: User) -> None:
    if not policies.is_staff_member(actor):
        raise PermissionDenied("Only desk staff can write letters.")


def letter_compose(
    *,
    enquiry: Enquiry,
    template_version: LetterTemplateVersion,
    actor: User,
    case: Case | None = None,
) -> FilledLetter:
    """The template filled in for this enquiry, and the placeholders it would leave blank."""
    _require_staff(actor)
    context = letter_context(enquiry=enquiry, actor=actor, case=case)
    filled = fill_letter(version=template_version, context=context)
    unfilled = sorted(
        set(unfilled_placeholders(template_version.title, context))
        | set(unfilled_placeholders(template_version.body, context))
    )
    return FilledLetter(title=filled.title, body=filled.body, missing=unfilled)


def _clean_text(*, title: str, body: str, refuse_instructions: bool = False) -> tuple[str, str]:
    """Tidy and check the letter's text. Going out (``refuse_instructions``), it must not
    carry the template's note to the adviser."""
    title = " ".join((title or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    errors = {}
    if not title:
        errors["title"] = "Give the letter a title."
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"Keep the title to {TITLE_MAX_LENGTH} characters."
    elif refuse_instructions and (found := adviser_instructions(title)):
        errors["title"] = instruction_message(found)
    if not body:
        errors["body"] = "The letter has no text."
    elif len(body) > BODY_MAX_LENGTH:
        errors["body"] = f"A letter can be at most {BODY_MAX_LENGTH:,} characters."
    elif refuse_instructions and (found := adviser_instructions(body)):
        errors["body"] = instruction_message(found)
    if errors:
        raise ValidationError(errors)
    return title, body


REFUSED_MESSAGE = (
    "The letter could not be made into a PDF: it asked for a file or web address that "
    "letters may not use. This has been logged; tell the desk's administrator."
)


def _render(*, enquiry: Enquiry, title: str, body: str, large_print: bool) -> RenderedPdf:
    try:
        return render_pdf_document(
            letter_html(enquiry=enquiry, title=title, body=body, large_print=large_print),
            css=letter_css(large_print),
        )
    except RenderError as error:
        raise ValidationError(
            {"body": f"The letter could not be made into a PDF: {error}. Shorten it and try again."}
        ) from None
    except RenderRefused as error:  # text is escaped and sanitised: the letterhead's fault
        logger.error("letter for %s refused by the renderer: %s", enquiry.reference, error)
        raise ValidationError({"body": REFUSED_MESSAGE}) from None


def letter_preview(
    *,
    enquiry: Enquiry,
    template_version: LetterTemplateVersion,
    body_override: str | None,
    large_print: bool,
    actor: User,
    title_override: str | None = None,
    case: Case | None = None,
) -> bytes:
    """The PDF exactly as ``letter_issue`` would make it today, without keeping anything.

    Placeholders left blank do not stop a preview (the composer lists them beside it).
    """
    filled = letter_compose(
        enquiry=enquiry, template_version=template_version, actor=actor, case=case
    )
    title, body = _clean_text(
        title=filled.title if title_override is None else title_override,
        body=filled.body if body_override is None else body_override,
    )
    return _render(enquiry=enquiry, title=title, body=body, large_print=large_print).content


def _store_pdf(content: bytes, letter: Letter) -> str:
    """Write the PDF under a generated name; returns the storage name."""
    field = letter.pdf
    return field.storage.save(letter_upload_to(letter, "letter.pdf"), ContentFile(content))


def _discard(letter: Letter, name: str) -> None:
    try:
        letter.pdf.storage.delete(name)
    except OSError:  # a leftover file is harmless; the row decides what exists
        logger.warning("could not remove an unused letter file", exc_info=True)


def _file_name(letter: Letter) -> str:
    return f"{letter.enquiry.reference}-letter-{letter.pk}.pdf"


def _publish(*, letter: Letter, content: bytes, actor: User) -> int:
    """Put the PDF on the group's enquiry and owe them an email saying so. Once per letter
    (the message's submission key and the email's dedupe key): returns the attachment id."""
    enquiry = letter.enquiry
    key = f"letter:{letter.pk}"
    attachment = attachment_add_bytes(
        enquiry=enquiry, content=content, name=_file_name(letter), actor=actor
    )
    message = message_publish(
        enquiry=enquiry,
        body=f"We have sent you a letter: {letter.title}",
        actor=actor,
        attachments=[attachment],
        submission_key=key,
        notify=False,
    )
    notification_owe(
        enquiry=enquiry,
        kind=Notification.Kind.LETTER_ISSUED,
        recipient=enquiry.contact.email,
        dedupe_key=f"letter-issued:{letter.pk}",
        data={"letter": letter.pk, "title": letter.title},
    )
    letter.published_at = timezone.now()
    enquiries_services.enquiry_record_event(
        enquiry=enquiry,
        kind=EnquiryEvent.Kind.LETTER_PUBLISHED,
        actor=actor,
        data={
            "letter": letter.pk,
            "title": letter.title,
            "message": message.pk,
            "attachment": attachment.pk,
        },
    )
    return attachment.pk


def _email(*, letter: Letter, content: bytes, actor: User, attachment_id: int | None) -> None:
    """Owe the group an email with the PDF attached (a staff-only copy unless it was just
    published, when the published one is reused)."""
    enquiry = letter.enquiry
    if attachment_id is None:
        attachment_id = attachment_add_bytes(
            enquiry=enquiry, content=content, name=_file_name(letter), actor=actor
        ).pk
    notification_owe(
        enquiry=enquiry,
        kind=Notification.Kind.LETTER_EMAILED,
        recipient=enquiry.contact.email,
        dedupe_key=f"letter-emailed:{letter.pk}",
        data={"letter": letter.pk, "title": letter.title, "attachment": attachment_id},
    )
    letter.emailed_at = timezone.now()
    enquiries_services.enquiry_record_event(
        enquiry=enquiry,
        kind=EnquiryEvent.Kind.LETTER_EMAILED,
        actor=actor,
        data={"letter": letter.pk, "title": letter.title, "attachment": attachment_id},
    )


def _mark_issued(letter: Letter, *, name: str, rendered: RenderedPdf, actor: User | None) -> None:
    letter.pdf.name = name
    letter.sha256 = hashlib.sha256(rendered.content).hexdigest()
    letter.size = len(rendered.content)
    letter.pages = rendered.pages
    letter.issued_at = timezone.now()
    letter.state = Letter.State.ISSUED
    letter.error = ""
    enquiries_services.enquiry_record_event(
        enquiry=letter.enquiry,
        kind=EnquiryEvent.Kind.LETTER_ISSUED,
        actor=actor,
        data={
            "letter": letter.pk,
            "title": letter.title,
            "template": letter.template_version.template.slug,
            "version": letter.template_version.number,
            "large_print": letter.large_print,
        },
    )


def letter_issue(
    *,
    enquiry: Enquiry,
    template_version: LetterTemplateVersion,
    body: str,
    title: str,
    large_print: bool,
    actor: User,
    case: Case | None = None,
    publish: bool = False,
    email: bool = False,
) -> Letter:
    """Issue a letter: render it, keep the PDF and record it; optionally publish it to the
    group's enquiry and/or owe them an email with it attached. Refused (ValidationError on
    ``body``) while the template would leave placeholders blank for this enquiry, or while
    the text still has the template's note to the adviser."""
    if (publish or email) and not policies.can_publish_message(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can send the group a letter. "
            "You can still issue it to download."
        )
    filled = letter_compose(
        enquiry=enquiry, template_version=template_version, actor=actor, case=case
    )
    if filled.missing:
        raise ValidationError({"body": missing_data_message(filled.missing)})
    if case is not None and not case.case_enquiries.filter(enquiry=enquiry).exists():
        raise ValidationError({"case": "That enquiry is not part of this case."})
    title, body = _clean_text(title=title, body=body, refuse_instructions=True)
    rendered = _render(enquiry=enquiry, title=title, body=body, large_print=large_print)
    letter = Letter(
        enquiry=enquiry,
        case=case,
        template_version=template_version,
        title=title,
        body=body,
        large_print=large_print,
        issued_by=actor,
    )
    name = _store_pdf(rendered.content, letter)
    try:
        with transaction.atomic():
            letter.state = Letter.State.PENDING
            letter.save()
            _mark_issued(letter, name=name, rendered=rendered, actor=actor)
            attachment_id = None
            if publish:
                attachment_id = _publish(letter=letter, content=rendered.content, actor=actor)
            if email:
                _email(
                    letter=letter,
                    content=rendered.content,
                    actor=actor,
                    attachment_id=attachment_id,
                )
            letter.save()
    except BaseException:
        _discard(letter, name)
        raise
    return letter


@transaction.atomic
def letter_download_record(*, letter: Letter, actor: User) -> None:
    """Record that someone downloaded the letter to print and post."""
    enquiries_services.enquiry_record_event(
        enquiry=letter.enquiry,
        kind=EnquiryEvent.Kind.LETTER_DOWNLOADED,
        actor=actor,
        data={"letter": letter.pk, "title": letter.title},
    )


def letter_batch_issue(
    *,
    template_version: LetterTemplateVersion,
    enquiries: list[Enquiry],
    publish: bool,
    actor: User,
) -> LetterBatch:
    """Issue one template to many enquiries as one batch, made by the workers: the bulk
    letters page's ``batches.letter_batch_create``, for other features (the queue's bulk
    action). Managers only; a template that needs the adviser's own words, no enquiry or
    more than ``BATCH_MAX_SIZE`` are refused (``ValidationError``) with nothing saved. Each
    letter, once made, records its own ``LETTER_ISSUED`` event on its enquiry (and
    ``LETTER_PUBLISHED`` when published), as a letter issued by hand does."""
    from casework.letters import batches  # batches imports this module

    return batches.letter_batch_create(
        template_version=template_version, enquiries=enquiries, publish=publish, actor=actor
    )
