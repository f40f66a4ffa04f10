"""Writes for canned replies: managers write them; every change is a new version, checked
against the letter templates' published placeholders when it is written."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from knowledgebase import policies
from knowledgebase.letter_engine import validate_letter_template
from knowledgebase.models import Snippet, SnippetVersion
from knowledgebase.selectors import letter_template_placeholders


@transaction.atomic
def snippet_save(
    *, snippet: Snippet, body: str, actor: User | None, expected_version: int | None = None
) -> Snippet:
    """Save ``snippet`` with ``body`` as its next version. ``expected_version`` is the
    version the editor started from; if someone saved since, ``ValidationError`` and
    nothing is written."""
    if actor is not None and not policies.can_edit_snippets(actor):
        raise PermissionDenied("Only managers can edit snippets.")
    if not body.strip():
        raise ValidationError({"body": "Write the snippet's text."})
    try:
        validate_letter_template(body, letter_template_placeholders())
    except ValidationError as error:
        raise ValidationError({"body": error.messages}) from error
    snippet.full_clean()
    snippet.save()
    Snippet.objects.select_for_update().filter(pk=snippet.pk).first()  # serialise versions
    latest = snippet.versions.aggregate(n=Max("number"))["n"] or 0
    if expected_version is not None and latest != expected_version:
        raise ValidationError(
            "Someone else saved this snippet while you were editing it, so your text was not "
            "saved. Copy what you need, reload and make your change again.",
            code="stale",
        )
    SnippetVersion.objects.create(snippet=snippet, number=latest + 1, body=body, created_by=actor)
    return snippet
