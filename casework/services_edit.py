"""Editing an enquiry's details from the desk: who may, then ``enquiries.services_edit``.

The permission is checked on the locked row, so a reassignment that lands first is
respected; the version comparison and the save happen in ``enquiries`` (one rule for
every caller).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from casework import policies
from enquiries import services_edit
from enquiries.models import Enquiry
from enquiries.services_edit import StaleEdit

__all__ = ["StaleEdit", "enquiry_edit"]


@transaction.atomic
def enquiry_edit(
    *, enquiry: Enquiry, expected_version: int, changes: dict, actor: AbstractBaseUser
) -> Enquiry:
    """Edit subject, topic, priority, building or land and area (see ``enquiries``)."""
    locked = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    if not policies.can_edit_enquiry(actor, locked):
        raise PermissionDenied(
            "Only the adviser holding this enquiry, their team while it waits in the team "
            "queue, or a manager can edit its details."
        )
    return services_edit.enquiry_edit(
        enquiry=locked, expected_version=expected_version, changes=changes, actor=actor
    )
