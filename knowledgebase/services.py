"""Writes for reference data: letter templates are versioned, never edited in place;
a deadline rule saved is announced to the app that stores deadlines from it."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from knowledgebase import policies
from knowledgebase.letter_engine import validate_letter_template
from knowledgebase.models import DeadlineRule, LetterTemplate, LetterTemplateVersion
from knowledgebase.selectors import letter_template_placeholders
from knowledgebase.signals import deadline_rule_changed


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


# Set on a rule while ``deadline_rule_save`` saves it: the post_save safety net then leaves
# the announcement to the service, which names who saved it (one resync, not two).
_SAVING = "_knowledgebase_deadline_rule_saving"


@transaction.atomic
def deadline_rule_save(*, rule: DeadlineRule, actor: User | None) -> DeadlineRule:
    """Save ``rule`` (new or edited) and announce it (``deadline_rule_changed``) naming
    ``actor``: the deadlines stored from the rule follow in this transaction, and an
    enquiry whose date shown to the group moves says who changed the rule."""
    adding = rule.pk is None
    if actor is not None and not policies.can_save_deadline_rule(actor, adding=adding):
        raise PermissionDenied("Only staff given the admin's permissions edit deadline rules.")
    setattr(rule, _SAVING, True)
    try:
        rule.save()
    finally:
        delattr(rule, _SAVING)
    deadline_rule_changed.send(sender=DeadlineRule, rule=rule, actor=actor)
    return rule


def deadline_rule_saved(*, rule: DeadlineRule) -> None:
    """A rule was saved (post_save). Saved some other way than ``deadline_rule_save`` (a
    shell, a script), it is announced with no one named, so that the deadlines stored
    from it never go stale; the service announces its own saves."""
    if not getattr(rule, _SAVING, False):
        deadline_rule_changed.send(sender=DeadlineRule, rule=rule, actor=None)
