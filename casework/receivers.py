"""Casework's answer to the one signal that comes up from enquiries."""

import logging

from django.db import transaction
from django.dispatch import receiver

from casework import services
from enquiries.signals import enquiry_received

logger = logging.getLogger(__name__)


@receiver(enquiry_received, dispatch_uid="casework.route_new_enquiry")
def route_new_enquiry(sender, enquiry, route: bool = True, **kwargs) -> None:
    if not route:  # the caller places it (an adviser keeping what they logged)
        return
    # A routing fault must never lose the group's enquiry: undo only the routing
    # (savepoint) and leave the enquiry unassigned, where the "all" queue shows it.
    try:
        with transaction.atomic():
            services.enquiry_route(enquiry=enquiry)
    except Exception:
        logger.exception("routing failed for reference=%s", enquiry.reference)
