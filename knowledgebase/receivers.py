"""Knowledgebase's answer to its own models' signals: a deadline rule saved without
``services.deadline_rule_save`` (a shell, a script) is announced all the same."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from knowledgebase import services
from knowledgebase.models import DeadlineRule


@receiver(post_save, sender=DeadlineRule, dispatch_uid="knowledgebase.deadline_rule_saved")
def deadline_rule_saved(sender, instance: DeadlineRule, raw: bool = False, **kwargs) -> None:
    """Not while loading fixtures (``raw``): the deadlines stored from the rule come with
    them (``manage.py resync_deadlines`` brings any that do not into line)."""
    if not raw:
        services.deadline_rule_saved(rule=instance)
