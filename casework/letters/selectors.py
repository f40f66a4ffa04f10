"""Reads for guidance letters. The caller has fetched the enquiry or case through a visibility
selector; what is not theirs is a 404 here too."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from casework import policies
from casework.letters.compose import letter_context, needs_adviser_text
from casework.models import Case, Deadline, Letter, LetterBatch
from enquiries.models import Enquiry, Status
from knowledgebase.models import DeadlineRule, LetterTemplate, LetterTemplateVersion, Topic
from knowledgebase.selectors import letter_templates_for

logger = logging.getLogger(__name__)


def _letters() -> QuerySet[Letter]:
    return Letter.objects.select_related(
        "enquiry", "template_version__template", "issued_by", "case"
    )


def letter_list_for_enquiry(*, enquiry: Enquiry) -> QuerySet[Letter]:
    """Every letter of one enquiry, newest first (one query)."""
    return _letters().filter(enquiry=enquiry)


def letter_list_for_case(*, case: Case) -> QuerySet[Letter]:
    """Letters issued from the case or to any of its enquiries, newest first (one query)."""
    return _letters().filter(Q(case=case) | Q(enquiry__case_link__case=case)).distinct()


def letter_get(*, enquiry: Enquiry, letter_id: int) -> Letter:
    letter = _letters().filter(enquiry=enquiry, pk=letter_id).first()
    if letter is None:
        raise Http404("No such letter")
    return letter


def letter_pdf_content(*, letter: Letter) -> bytes:
    """The issued letter's PDF; a 404 if it is not made yet or its file is gone."""
    if letter.state != Letter.State.ISSUED:
        raise Http404("This letter has not been made")
    try:
        with letter.pdf.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        logger.error("letter %s has no file in storage", letter.pk)
        raise Http404("This letter's file is no longer available.") from None


@dataclass(frozen=True)
class TemplateChoice:
    template: LetterTemplate
    version: LetterTemplateVersion
    for_topic: bool


def letter_template_choices(*, topic: Topic | None) -> list[TemplateChoice]:
    """Active templates with their current version, the enquiry's topic first (two queries)."""
    templates = list(letter_templates_for(topic))
    latest: dict[int, LetterTemplateVersion] = {}
    for version in LetterTemplateVersion.objects.filter(template__in=templates).order_by(
        "template_id", "-number"
    ):
        latest.setdefault(version.template_id, version)
    return [
        TemplateChoice(template=t, version=latest[t.pk], for_topic=bool(t.for_topic))
        for t in templates
        if t.pk in latest
    ]


def letter_template_choices_for_bulk() -> list[TemplateChoice]:
    """The active templates that may be issued to many enquiries at once, by name, with
    their current version (one query: the queue shows them to managers on every page).
    Not those that need the adviser's own words in each letter
    (``compose.needs_adviser_text``)."""
    latest: dict[int, LetterTemplateVersion] = {}
    for version in (
        LetterTemplateVersion.objects.filter(template__is_active=True)
        .select_related("template")
        .order_by("template__name", "template_id", "-number")
    ):
        latest.setdefault(version.template_id, version)
    return [
        TemplateChoice(template=version.template, version=version, for_topic=False)
        for version in latest.values()
        if not needs_adviser_text(version)
    ]


def letter_template_version_get(*, slug: str, number: int | None = None) -> LetterTemplateVersion:
    """An active template's version (its current one without ``number``), or 404."""
    versions = LetterTemplateVersion.objects.select_related("template").filter(
        template__slug=slug, template__is_active=True
    )
    if number is not None:
        versions = versions.filter(number=number)
    version = versions.order_by("-number").first()
    if version is None:
        raise Http404("No such letter template")
    return version


def bulk_candidates(
    *, user: policies.User, rule: DeadlineRule, within_days: int, today: date | None = None
) -> QuerySet[Enquiry]:
    """Open enquiries ``user`` may see with a clock of ``rule`` ending in the next
    ``within_days`` days (e.g. every interim moratorium ending in the next two weeks)."""
    today = today or timezone.localdate()
    ending = Deadline.objects.filter(
        enquiry=OuterRef("pk"),
        rule=rule,
        ends_on__gte=today,
        ends_on__lte=today + timedelta(days=within_days),
    )
    return (
        Enquiry.objects.filter(policies.visible_enquiries_q(user))
        .filter(Exists(ending), status__in=Status.open_values())
        .select_related("organisation", "contact")
        .order_by("reference")
    )


def letter_batch_get(*, user: policies.User, batch_id: int) -> LetterBatch:
    """A batch, to managers only (else 404)."""
    if not policies.is_manager(user):
        raise Http404("No such batch")
    batch = (
        LetterBatch.objects.select_related("template_version__template", "created_by")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None:
        raise Http404("No such batch")
    return batch


@dataclass(frozen=True)
class BatchProgress:
    total: int
    issued: int
    failed: int
    pending: int

    @property
    def done(self) -> bool:
        return self.pending == 0


def letter_batch_progress(*, batch: LetterBatch) -> BatchProgress:
    """Counts by state, in one aggregate query."""
    counts = batch.letters.aggregate(
        issued=Count("pk", filter=Q(state=Letter.State.ISSUED)),
        failed=Count("pk", filter=Q(state=Letter.State.FAILED)),
        pending=Count("pk", filter=Q(state=Letter.State.PENDING)),
    )
    return BatchProgress(total=batch.total, **counts)


def letter_batch_letters(*, batch: LetterBatch, state: str | None = None) -> QuerySet[Letter]:
    letters = batch.letters.select_related("enquiry").order_by("enquiry__reference")
    return letters.filter(state=state) if state else letters


def letter_values(*, enquiry: Enquiry, actor: User | None) -> dict[str, Any]:
    """The plain values letters (and snippets, which share their placeholders) fill in
    from ``enquiry``: ``compose.letter_context``."""
    return letter_context(enquiry=enquiry, actor=actor)
