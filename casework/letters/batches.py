"""Bulk issue: a manager's batch of one template to many enquiries, each letter made once by
a worker through the same rendering and issue as a single letter. Workers take the batch in
chunks of ``LETTER_BATCH_CHUNK`` letters (``tasks.make_letters``): each chunk is read in a
fixed number of queries, rendered in parallel by the warm pool and recorded in one
transaction, so the batch page's progress moves a chunk at a time."""

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from casework import policies
from casework.clocks.selectors import key_date_lists
from casework.desk.pdf import RenderedPdf, RenderRefused, render_pdf_documents
from casework.letters.compose import (
    BULK_NEEDS_ADVISER_TEXT,
    fill_letter,
    instruction_message,
    letter_context,
    letter_css,
    letter_html,
    needs_adviser_text,
    wants_large_print,
)
from casework.letters.services import TITLE_MAX_LENGTH, _discard, _mark_issued, _publish, _store_pdf
from casework.models import Letter, LetterBatch
from config.tasks import is_transient
from enquiries.models import Enquiry, Notice
from enquiries.notices import notice_give
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

    The tasks (one per ``LETTER_BATCH_CHUNK`` letters) are queued in the same transaction as
    the rows on the database backend, so a batch can never be committed without its work. A
    template that needs the adviser's own text (``needs_adviser_text``) is refused: no one
    would write it.
    """
    from casework.letters.tasks import queue_letters  # tasks import this module

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
        chunk = settings.LETTER_BATCH_CHUNK
        for start in range(0, len(ids), chunk):
            queue_letters(sorted(ids)[start : start + chunk])
    return batch


def letters_mark_failed(*, letter_ids: list[int], reason: str) -> int:
    """Mark those of the letters still pending failed, with the reason the progress page
    shows; returns how many."""
    return Letter.objects.filter(pk__in=letter_ids, state=Letter.State.PENDING).update(
        state=Letter.State.FAILED, error=reason[:300]
    )


def _fail(letter_id: int, reason: str) -> bool:
    return bool(letters_mark_failed(letter_ids=[letter_id], reason=reason))


def letter_make(*, letter_id: int) -> str:
    """Make one pending letter (``letters_make`` of one): what it became, in a word."""
    return letters_make(letter_ids=[letter_id])[letter_id]


@dataclass
class _Draft:
    letter: Letter
    title: str
    body: str
    large_print: bool


@dataclass
class _Made:
    draft: _Draft
    rendered: RenderedPdf
    name: str = ""  # the stored PDF


def letters_make(*, letter_ids: list[int]) -> dict[int, str]:
    """Make a chunk of a batch's pending letters. Safe to run twice, or twice at once.

    Reads the letters and their clocks in a fixed number of queries whatever the chunk's
    size, renders them in parallel through the warm pool (``render_pdf_documents``)
    outside any lock, then records them in one transaction with the rows locked: a letter
    is kept only if it is still pending (a conditional update), otherwise its new file is
    removed, so each letter has exactly one PDF and is published once. Missing data, a note
    to the adviser left in the text, or a render that is refused or breaks the limits marks
    that letter FAILED with the reason; a fault in recording one letter fails that letter
    alone (its savepoint is rolled back). A fault that may pass is raised for the task to
    retry, with nothing kept. Returns each id's outcome: issued, failed, already <state>,
    already made or missing.
    """
    outcomes = dict.fromkeys(letter_ids, "missing")
    drafts = _drafts(letter_ids, outcomes)
    made: list[_Made] = []
    for draft, answer in zip(
        drafts,
        render_pdf_documents(
            [
                (
                    letter_html(
                        enquiry=d.letter.enquiry,
                        title=d.title,
                        body=d.body,
                        large_print=d.large_print,
                    ),
                    letter_css(d.large_print),
                )
                for d in drafts
            ]
        ),
        strict=True,
    ):
        if isinstance(answer, RenderedPdf):
            made.append(_Made(draft, answer))
            continue
        if isinstance(answer, RenderRefused):
            logger.error("letter %s refused by the renderer: %s", draft.letter.pk, answer)
        _fail(draft.letter.pk, f"Could not render: {answer}")
        outcomes[draft.letter.pk] = "failed"
    try:
        for one in made:
            one.name = _store_pdf(one.rendered.content, one.draft.letter)
        _record(made, outcomes)
    finally:
        for one in made:
            if one.name and outcomes[one.draft.letter.pk] != "issued":
                _discard(one.draft.letter, one.name)
    return outcomes


def _drafts(letter_ids: list[int], outcomes: dict[int, str]) -> list[_Draft]:
    """The pending letters filled in, in a fixed number of queries (the letters; their key
    dates, stored deadlines and councils; the rules)."""
    letters = list(
        Letter.objects.select_related(
            "enquiry__contact",
            "enquiry__organisation",
            "enquiry__assigned_to",
            "template_version__template",
            "batch",
            "issued_by",
        )
        .filter(pk__in=letter_ids)
        .order_by("pk")
    )
    pending = []
    for letter in letters:
        if letter.state == Letter.State.PENDING:
            pending.append(letter)
        else:
            outcomes[letter.pk] = f"already {letter.state}"
    key_dates = key_date_lists(enquiries=[letter.enquiry for letter in pending])
    drafts = []
    failures: dict[str, list[int]] = {}
    for letter in pending:
        context = letter_context(
            enquiry=letter.enquiry,
            actor=letter.issued_by,
            case=letter.case,
            key_dates=key_dates[letter.enquiry_id],
        )
        version = letter.template_version
        missing = sorted(
            set(unfilled_placeholders(version.title, context))
            | set(unfilled_placeholders(version.body, context))
        )
        if missing:
            failures.setdefault("Missing: " + ", ".join(missing), []).append(letter.pk)
            continue
        filled = fill_letter(version=version, context=context)
        if instructions := adviser_instructions(f"{filled.title}\n{filled.body}"):
            # The batch was refused for such a template; a version or a value filled in
            # since must not print the note to the adviser either.
            failures.setdefault(instruction_message(instructions), []).append(letter.pk)
            continue
        drafts.append(
            _Draft(
                letter=letter,
                title=filled.title[:TITLE_MAX_LENGTH] or letter.title,
                body=filled.body,
                large_print=wants_large_print(letter.enquiry.contact.accessibility_needs),
            )
        )
    for reason, ids in failures.items():  # one update per distinct reason
        letters_mark_failed(letter_ids=ids, reason=reason)
        outcomes.update(dict.fromkeys(ids, "failed"))
    return drafts


def _record(made: list[_Made], outcomes: dict[int, str]) -> None:
    """Keep the rendered letters still pending, in one transaction with their rows locked."""
    if not made:
        return
    try:
        _record_locked(made, outcomes)
    except BaseException:
        for one in made:  # rolled back: none of the chunk was kept
            if outcomes[one.draft.letter.pk] == "issued":
                outcomes[one.draft.letter.pk] = "not kept"
        raise


def _record_locked(made: list[_Made], outcomes: dict[int, str]) -> None:
    with transaction.atomic():
        pending = set(
            Letter.objects.select_for_update()
            .filter(pk__in=[one.draft.letter.pk for one in made], state=Letter.State.PENDING)
            .values_list("pk", flat=True)
        )
        for one in made:
            letter = one.draft.letter
            if letter.pk not in pending:
                outcomes[letter.pk] = "already made"
                continue
            try:
                with transaction.atomic():  # a savepoint: one letter's fault is its own
                    if _keep(one):
                        outcomes[letter.pk] = "issued"
                    else:
                        outcomes[letter.pk] = "already made"
            except Exception as error:
                if is_transient(error):
                    raise  # the whole chunk again later: nothing of it is kept
                logger.exception("letter %s not recorded", letter.pk)
                _fail(letter.pk, f"Unexpected fault ({type(error).__name__})")
                outcomes[letter.pk] = "failed"


def _keep(one: _Made) -> bool:
    draft, rendered = one.draft, one.rendered
    letter, actor = draft.letter, draft.letter.issued_by
    letter.title, letter.body, letter.large_print = draft.title, draft.body, draft.large_print
    _mark_issued(letter, name=one.name, rendered=rendered, actor=actor)
    if letter.batch is not None and letter.batch.publish:  # a batch letter
        _publish(letter=letter, content=rendered.content, actor=actor)
    kept = bool(
        Letter.objects.filter(pk=letter.pk, state=Letter.State.PENDING).update(
            state=Letter.State.ISSUED,
            title=letter.title,
            body=letter.body,
            large_print=letter.large_print,
            pdf=one.name,
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
    return kept


def batches_finished_notice(*, letter_ids: list[int]) -> int:
    """Tell whoever started each batch these letters belong to, once, when it has no letter
    left to make (an in-app notice). Returns how many notices were given."""
    given = 0
    batch_ids = set(
        Letter.objects.filter(pk__in=letter_ids, batch__isnull=False).values_list(
            "batch_id", flat=True
        )
    )
    for batch in LetterBatch.objects.filter(pk__in=batch_ids).select_related("created_by"):
        states = Counter(batch.letters.values_list("state", flat=True))
        if states.get(Letter.State.PENDING):
            continue
        key = f"letters:{batch.pk}"
        if Notice.objects.filter(dedupe_key=key).exists():
            continue
        made = states.get(Letter.State.ISSUED, 0)
        failed = states.get(Letter.State.FAILED, 0)
        notice_give(
            user=batch.created_by,
            kind=Notice.Kind.LETTERS,
            key=key,
            text=f"Bulk letters finished: {made} made"
            + (f", {failed} could not be made" if failed else ""),
            url=reverse("casework:letter_batch", args=[batch.pk]),
        )
        given += 1
    return given
