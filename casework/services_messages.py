"""Documents and updates from the desk: who may, then ``enquiries.services_public``.

A staff document (no message) is kept for the desk only; an update to the group is a
public message, with any documents, that the group sees and is emailed about. Files are
checked by their content there (``enquiries.uploads``): a refused file raises
``UploadRefused`` with a message for the person who sent it, and nothing is kept.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from casework import policies, services
from enquiries import services_public
from enquiries.models import Attachment, Enquiry, Message, Status
from enquiries.uploads import UploadRefused

MESSAGE_MAX_LENGTH = 10_000

__all__ = ["UploadRefused", "group_update_send", "staff_document_add"]


def staff_document_add(
    *, enquiry: Enquiry, upload: UploadedFile, actor: AbstractBaseUser
) -> Attachment:
    """Keep a document on the enquiry for desk staff only (the group never sees it)."""
    if not policies.can_add_staff_document(actor, enquiry):
        raise PermissionDenied("Only desk staff can add documents to an enquiry.")
    return services_public.attachment_add(enquiry=enquiry, upload=upload, actor=actor)


@transaction.atomic
def group_update_send(
    *,
    enquiry: Enquiry,
    body: str,
    actor: AbstractBaseUser,
    files: Iterable[UploadedFile] = (),
    awaiting_group: bool = False,
    submission_key: str = "",
) -> Message:
    """Publish an update to the group: the adviser holding the enquiry or a manager.

    It is the first response if none was given yet and the group is emailed (both by
    ``message_publish``). With ``awaiting_group`` the enquiry also moves to "waiting for
    the group" when its workflow allows (not from closed; nothing to do if it is already
    waiting), in the same transaction: both happen or neither.
    """
    if not policies.can_publish_message(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can write to the group."
        )
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write the update to the group."})
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"body": f"Keep the update to {MESSAGE_MAX_LENGTH} characters."})
    message = services_public.message_publish(
        enquiry=enquiry,
        body=body,
        actor=actor,
        files=list(files),
        submission_key=submission_key[:64],
    )
    if awaiting_group:
        current = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if current.status != Status.AWAITING_GROUP and current.can_move_to(Status.AWAITING_GROUP):
            services.enquiry_set_status(enquiry=current, status=Status.AWAITING_GROUP, actor=actor)
    return message
