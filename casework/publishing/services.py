"""What the desk shows the group: deadlines on the tracking page, and its tracking links.

Casework publishes; the portal (in ``enquiries``) reads only what was published
(``enquiries.conversation.services``). A published deadline is a copy (label, date, what it
means, legal source) taken when the adviser chose to show it; ``source`` ties it to
the key date and rule it came from, so that it can be withdrawn, or refreshed by
publishing again.
"""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from casework import policies
from casework.clocks import selectors as clocks_selectors
from casework.enquiry import services as enquiry_services
from casework.models import Deadline, KeyDate
from casework.publishing.selectors import deadline_source
from config.limits import max_length
from enquiries.conversation import services as conversation_services
from enquiries.models import Attachment, Enquiry, Message, PublicDate, Status
from enquiries.portal import services as portal_services


def _check_can_publish(actor: User, enquiry: Enquiry) -> None:
    if not policies.can_record_key_date(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can show dates to the group."
        )


@transaction.atomic
def deadline_publish(
    *,
    enquiry: Enquiry,
    key_date_id: int,
    rule_id: int,
    is_group_deadline: bool,
    actor: User,
) -> PublicDate:
    """Show one computed deadline on the group's tracking page (or update it: the date is
    worked out again now, and "the group must act by this date" set as chosen). A group
    deadline is emailed to the group 14 and 3 days before."""
    _check_can_publish(actor, enquiry)
    deadline = (
        Deadline.objects.select_related("rule", "key_date")
        .filter(enquiry=enquiry, key_date_id=key_date_id, rule_id=rule_id)
        .first()
    )
    if deadline is None:
        raise ValidationError({"rule": "That deadline is no longer on this enquiry."})
    # A disputed start with its other key date recorded: both readings, the earlier shown.
    others = clocks_selectors.other_starts_query([enquiry.pk]).get(enquiry.pk)
    meaning, legal_source = clocks_selectors.public_copy(
        rule=deadline.rule, deadline=deadline, others=others
    )
    return conversation_services.public_date_publish(
        enquiry=enquiry,
        source=deadline_source(key_date_id=key_date_id, rule_id=rule_id),
        label=deadline.rule.name,
        date=deadline.ends_on,  # the computed end, or the latest agreed extension
        meaning=meaning,
        legal_source=legal_source,
        is_group_deadline=is_group_deadline,
        actor=actor,
    )


@transaction.atomic
def deadline_withdraw(*, enquiry: Enquiry, key_date_id: int, rule_id: int, actor: User) -> bool:
    """Stop showing a deadline to the group. False if it was not shown."""
    _check_can_publish(actor, enquiry)
    return conversation_services.public_date_withdraw(
        enquiry=enquiry,
        source=deadline_source(key_date_id=key_date_id, rule_id=rule_id),
        actor=actor,
    )


def key_date_withdraw_published(*, key_date: KeyDate, actor: User | None) -> int:
    """Withdraw every date published from ``key_date`` (it was removed as an error).
    Call inside the caller's transaction."""
    prefix = f"deadline:{key_date.pk}:"
    sources = PublicDate.objects.filter(
        enquiry_id=key_date.enquiry_id, source__startswith=prefix
    ).values_list("source", flat=True)
    return sum(
        conversation_services.public_date_withdraw(enquiry=key_date.enquiry, source=s, actor=actor)
        for s in list(sources)
    )


def _check_can_manage_links(actor: User, enquiry: Enquiry) -> None:
    if not policies.can_change_enquiry_status(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can manage its tracking links."
        )


def tracking_links_revoke(*, enquiry: Enquiry, actor: User) -> int:
    """Stop every tracking link that opens this enquiry (recorded as LINK_REVOKED)."""
    _check_can_manage_links(actor, enquiry)
    return portal_services.tracking_links_revoke(enquiry=enquiry, actor=actor)


def tracking_link_send(*, enquiry: Enquiry, actor: User, key: str) -> bool:
    """Email the contact a fresh link (recorded as LINK_SENT); one per ``key``."""
    _check_can_manage_links(actor, enquiry)
    return portal_services.tracking_link_send(enquiry=enquiry, actor=actor, key=key)


def staff_document_add(
    *, enquiry: Enquiry, upload: "UploadedFile[bytes]", actor: User
) -> Attachment:
    """Keep a document on the enquiry for desk staff only (the group never sees it)."""
    if not policies.can_add_staff_document(actor, enquiry):
        raise PermissionDenied("Only desk staff can add documents to an enquiry.")
    return conversation_services.attachment_add(enquiry=enquiry, upload=upload, actor=actor)


@transaction.atomic
def group_update_send(
    *,
    enquiry: Enquiry,
    body: str,
    actor: User,
    files: Iterable["UploadedFile[bytes]"] = (),
    awaiting_group: bool = False,
    by_email: bool = False,
    submission_key: str = "",
) -> Message:
    """Publish an update to the group: the adviser holding the enquiry or a manager.

    It is the first response if none was given yet and the group is emailed (both by
    ``message_publish``). With ``awaiting_group`` the enquiry also moves to "waiting for
    the group" when its workflow allows (not from closed; nothing to do if it is already
    waiting), in the same transaction: both happen or neither. With ``by_email`` the
    email carries the update's text and the group can answer it from their mail client.
    """
    if not policies.can_publish_message(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can write to the group."
        )
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write the update to the group."})
    if len(body) > Message.BODY_MAX_LENGTH:
        raise ValidationError({"body": f"Keep the update to {Message.BODY_MAX_LENGTH} characters."})
    message = conversation_services.message_publish(
        enquiry=enquiry,
        body=body,
        actor=actor,
        files=list(files),
        by_email=by_email,
        submission_key=submission_key[: max_length(Message, "submission_key")],
    )
    if awaiting_group:
        current = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if current.status != Status.AWAITING_GROUP and current.can_move_to(Status.AWAITING_GROUP):
            enquiry_services.enquiry_set_status(
                enquiry=current, status=Status.AWAITING_GROUP, actor=actor
            )
    return message
