"""Casework's answers to signals: the one that comes up from enquiries (a new enquiry to
route), and knowledgebase's deadline rules being edited (casework may listen to the app
below it)."""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from casework.clocks import services as clocks_services
from casework.queue import services as queue_services
from enquiries.signals import enquiry_received
from knowledgebase.models import DeadlineRule

logger = logging.getLogger(__name__)


@receiver(enquiry_received, dispatch_uid="casework.route_new_enquiry")
def route_new_enquiry(sender, enquiry, route: bool = True, **kwargs) -> None:
    if not route:  # the caller places it (an adviser keeping what they logged)
        return
    # A routing fault must never lose the group's enquiry: undo only the routing
    # (savepoint) and leave the enquiry unassigned, where the "all" queue shows it.
    try:
        with transaction.atomic():
            queue_services.enquiry_route(enquiry=enquiry)
    except Exception:
        logger.exception("routing failed for reference=%s", enquiry.reference)


@receiver(post_save, sender=DeadlineRule, dispatch_uid="casework.resync_deadlines")
def resync_deadlines(sender, instance: DeadlineRule, raw: bool = False, **kwargs) -> None:
    """A rule edited (in the admin or anywhere): its stored deadlines follow, in the same
    transaction. Not while loading fixtures (``raw``): the rows come with them."""
    if raw:
        return
    # The admin's request, as django-simple-history's middleware keeps it: who to name in
    # the enquiries' history when a published date moves.
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    clocks_services.deadlines_resync(rule=instance, actor=actor)
