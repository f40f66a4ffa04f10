"""Knowledgebase's answer to its own models' signals: a deadline rule saved without
``services.deadline_rule_save`` (a shell, a script) is announced all the same, and any
change to the reference lists intake reads takes a new version of them
(``reference_data``)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from knowledgebase import services
from knowledgebase.models import (
    DeadlineRule,
    LocalAuthority,
    Region,
    ServiceLevelTarget,
    Snippet,
    SnippetVersion,
    Topic,
)
from knowledgebase.reference_data import reference_changed


@receiver(post_save, sender=DeadlineRule, dispatch_uid="knowledgebase.deadline_rule_saved")
def deadline_rule_saved(sender, instance: DeadlineRule, raw: bool = False, **kwargs) -> None:
    """Not while loading fixtures (``raw``): the deadlines stored from the rule come with
    them (``manage.py resync_deadlines`` brings any that do not into line)."""
    if not raw:
        services.deadline_rule_saved(rule=instance)


for _model in (
    Topic,
    Region,
    LocalAuthority,
    ServiceLevelTarget,
    DeadlineRule,
    Snippet,
    SnippetVersion,
):
    for _what, _signal in (("saved", post_save), ("deleted", post_delete)):
        _signal.connect(
            reference_changed,
            sender=_model,
            dispatch_uid=f"knowledgebase.reference_{_what}.{_model.__name__}",
        )
