"""Writes for reference data: letter templates are versioned, never edited in place."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from knowledgebase import policies
from knowledgebase.letter_engine import validate_letter_template
from knowledgebase.models import LetterTemplate, LetterTemplateVersion
from knowledgebase.selectors import letter_template_placeholders


@transaction.atomic
def letter_template_publish(
    *, template: LetterTemplate, title: str, body: str, actor: User | None
) -> LetterTemplateVersion:
    """Save a new version of ``template``. The text is checked against the published
    placeholders first, so a bad template is refused now rather than at issue time.
    Letters already issued keep pointing at the version they used."""
    if actor is not None and not policies.can_edit_letter_templates(actor):
        raise PermissionDenied("Only managers can edit letter templates.")
    validate_letter_template(body, letter_template_placeholders())
    validate_letter_template(title, letter_template_placeholders())
    LetterTemplate.objects.select_for_update().filter(pk=template.pk).first()  # serialise
    latest = template.versions.aggregate(n=Max("number"))["n"] or 0
    return LetterTemplateVersion.objects.create(
        template=template, number=latest + 1, title=title.strip(), body=body, created_by=actor
    )
