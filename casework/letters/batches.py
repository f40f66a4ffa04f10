"""Bulk issue: a manager's batch of one template to many enquiries, each letter made once by
a worker (``tasks.make_letter``) through the same rendering and issue as a single letter."""

import logging
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from casework import policies
from casework.desk.pdf import RenderError, RenderRefused, render_pdf_document
from casework.letters.compose import (
    BULK_NEEDS_ADVISER_TEXT,
    fill_letter,
    instruction_message,
    letter_context,
    letter_html,
    needs_adviser_text,
    wants_large_print,
)
from casework.letters.services import TITLE_MAX_LENGTH, _discard, _mark_issued, _publish, _store_pdf
from casework.models import Letter, LetterBatch
from enquiries.models import Enquiry
from knowledgebase.letter_engine import (
    adviser_instructions,
    unfilled_placeholders,
)
from knowledgebase.models import LetterTemplateVersion

logger = logging.getLogger(__name__)


BATCH_MAX_SIZE = 1_000


def letter_batch_create(
    *,
    template_version: LetterTemplateVersion,
    enquiries: Iterable[Enquiry],
    publish: bool,
    actor: User,
) -> LetterBatch:
    """Managers: one pending letter per enquiry, each made by a worker (``casework.letters.tasks``).

    The tasks are queued in the same transaction as the rows on the database backend, so a
    batch can never be committed without its work. A template that needs the adviser's own
    text (``needs_adviser_text``) is refused: no one would write it.
    """
    from casework.letters.tasks import queue_letter  # tasks import this module

    if not policies.is_manager(actor):
        raise PermissionDenied("Only managers can issue letters in bulk.")
    if needs_adviser_text(template_version):
        raise ValidationError({"template": BULK_NEEDS_ADVISER_TEXT})
    enquiries = list({e.pk: e for e in enquiries}.values())
    if not enquiries:
        raise ValidationError({"enquiries": "Choose at least one enquiry."})
    if len(enquiries) > BATCH_MAX_SIZE:
        raise ValidationError(
            {"enquiries": f"At most {BATCH_MAX_SIZE:,} letters at once: narrow the selection."}
        )
    with transaction.atomic():
        batch = LetterBatch.objects.create(
            template_version=template_version,
            publish=publish,
            created_by=actor,
            total=len(enquiries),
        )
        letters = Letter.objects.bulk_create(
            Letter(
                enquiry=enquiry,
                template_version=template_version,
                batch=batch,
                state=Letter.State.PENDING,
                # Until it is made: the template's name (its title holds placeholders).
                title=template_version.template.name[:TITLE_MAX_LENGTH],
                body="",
                issued_by=actor,
            )
            for enquiry in enquiries
        )
        ids = [letter.pk for letter in letters]
        if any(pk is None for pk in ids):  # a backend that does not return ids
            ids = list(batch.letters.values_list("pk", flat=True))
        for pk in ids:
            queue_letter(pk)
    return batch


def letter_mark_failed(*, letter_id: int, reason: str) -> bool:
    """Mark a pending letter failed, with the reason the progress page shows."""
    return _fail(letter_id, reason)


def _fail(letter_id: int, reason: str) -> bool:
    return bool(
        Letter.objects.filter(pk=letter_id, state=Letter.State.PENDING).update(
            state=Letter.State.FAILED, error=reason[:300]
        )
    )


def letter_make(*, letter_id: int) -> str:
    """Make one pending letter of a batch. Safe to run twice, or twice at once.

    Rendered outside any lock; then, with the row locked, kept only if it is still pending
    (a conditional update), otherwise the new file is removed: exactly one PDF per letter,
    published once. Missing data, a note to the adviser left in the text, or a render that
    is refused or breaks the limits marks it FAILED with the reason; other faults are
    raised for the task to retry.
    """
    letter = (
        Letter.objects.select_related(
            "enquiry__contact",
            "enquiry__organisation",
            "enquiry__assigned_to",
            "template_version__template",
            "batch",
            "issued_by",
        )
        .filter(pk=letter_id)
        .first()
    )
    if letter is None:
        return "missing"
    if letter.state != Letter.State.PENDING:
        return f"already {letter.state}"
    actor = letter.issued_by
    context = letter_context(enquiry=letter.enquiry, actor=actor, case=letter.case)
    version = letter.template_version
    missing = sorted(
        set(unfilled_placeholders(version.title, context))
        | set(unfilled_placeholders(version.body, context))
    )
    if missing:
        _fail(letter_id, "Missing: " + ", ".join(missing))
        return "failed"
    filled = fill_letter(version=version, context=context)
    if instructions := adviser_instructions(f"{filled.title}\n{filled.body}"):
        # The batch was refused for such a template; a version or a value filled in
        # since must not print the note to the adviser either.
        _fail(letter_id, instruction_message(instructions))
        return "failed"
    title = filled.title[:TITLE_MAX_LENGTH] or letter.title
    large_print = wants_large_print(letter.enquiry.contact.accessibility_needs)
    try:
        rendered = render_pdf_document(
            letter_html(
                enquiry=letter.enquiry, title=title, body=filled.body, large_print=large_print
            )
        )
    except RenderError as error:
        _fail(letter_id, f"Could not render: {error}")
        return "failed"
    except RenderRefused as error:
        logger.error("letter %s refused by the renderer: %s", letter_id, error)
        _fail(letter_id, f"Could not render: {error}")
        return "failed"
    name = _store_pdf(rendered.content, letter)
    kept = False
    try:
        with transaction.atomic():
            locked = Letter.objects.select_for_update().filter(pk=letter_id).first()
            if locked is None or locked.state != Letter.State.PENDING:
                return "already made"
            letter.title, letter.body, letter.large_print = title, filled.body, large_print
            _mark_issued(letter, name=name, rendered=rendered, actor=actor)
            if letter.batch is not None and letter.batch.publish:  # a batch letter
                _publish(letter=letter, content=rendered.content, actor=actor)
            kept = bool(
                Letter.objects.filter(pk=letter_id, state=Letter.State.PENDING).update(
                    state=Letter.State.ISSUED,
                    title=letter.title,
                    body=letter.body,
                    large_print=letter.large_print,
                    pdf=name,
                    sha256=letter.sha256,
                    size=letter.size,
                    pages=letter.pages,
                    issued_at=letter.issued_at,
                    published_at=letter.published_at,
                    error="",
                )
            )
            if not kept:
                transaction.set_rollback(True)
                return "already made"
    finally:
        if not kept:
            _discard(letter, name)
    return "issued"
