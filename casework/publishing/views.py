"""What the group sees of its enquiry: the deadlines published to its tracking page, its
tracking links, the documents, and the updates the desk writes to it."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_POST, require_safe

from casework import policies
from casework.desk import selectors as desk_selectors
from casework.desk.views import (
    back_to_enquiry,
    enquiry_page,
    enquiry_url,
    form_post,
    staff_required,
)
from casework.publishing import selectors, services
from casework.publishing.forms import PublicMessageForm, StaffDocumentForm
from config.http import AuthenticatedHttpRequest
from enquiries.conversation.services import attachment_response
from enquiries.models import Channel, Enquiry
from enquiries.uploads import UploadRefused


@require_POST
@staff_required
def deadline_publish(
    request: AuthenticatedHttpRequest, reference: str, key_date_id: int, rule_id: int
) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    try:
        public_date = services.deadline_publish(
            enquiry=enquiry,
            key_date_id=key_date_id,
            rule_id=rule_id,
            is_group_deadline=request.POST.get("is_group_deadline") == "on",
            actor=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back_to_enquiry(reference, "key-dates-heading")
    messages.success(
        request,
        f"The group can now see “{public_date.label}” ({public_date.date:%-d %B %Y})"
        + (", with reminders 14 and 3 days before." if public_date.is_group_deadline else "."),
    )
    return back_to_enquiry(reference, f"key-date-{key_date_id}")


@require_POST
@staff_required
def deadline_withdraw(
    request: AuthenticatedHttpRequest, reference: str, key_date_id: int, rule_id: int
) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if services.deadline_withdraw(
        enquiry=enquiry, key_date_id=key_date_id, rule_id=rule_id, actor=request.user
    ):
        messages.success(request, "The group no longer sees that date.")
    return back_to_enquiry(reference, f"key-date-{key_date_id}")


@require_POST
@staff_required
def tracking_links_revoke(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    count = services.tracking_links_revoke(enquiry=enquiry, actor=request.user)
    messages.success(
        request,
        f"{count} tracking link{'s' if count != 1 else ''} stopped. "
        "Send the contact a new one when they need it.",
    )
    return back_to_enquiry(reference, "group-links-heading")


@require_POST
@staff_required
def tracking_link_send(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    key = request.POST.get("key", "")[:40] or uuid.uuid4().hex
    services.tracking_link_send(enquiry=enquiry, actor=request.user, key=key)
    messages.success(request, "A new tracking link is on its way to the contact.")
    return back_to_enquiry(reference, "group-links-heading")


@enquiry_page.reads
def _publishing_reads(request: HttpRequest, enquiry: Enquiry) -> dict:
    """Its documents, and the dates published to the group."""
    return {
        "documents": selectors.attachment_list(enquiry=enquiry),
        "public_dates": selectors.public_date_list(enquiry=enquiry),
    }


@enquiry_page.panel(order=5)
def _documents_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """The enquiry's documents, read once: listed here, and offered as evidence by the
    key dates panel's extension form."""
    return {"documents": context["rows"]["documents"]}


@enquiry_page.panel(order=20)
def _group_facing_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """What the group sees: which deadlines are published (the key dates panel's, with the
    public dates read with the page's rows), the documents (``_documents_panel``), and the
    forms the user may use to add to them."""
    user = request.user
    return {
        "publish_rows": selectors.publish_rows(
            enquiry=enquiry,
            key_dates=context["key_dates"],
            public_dates=context["rows"]["public_dates"],
        ),
        "can_publish_dates": policies.can_record_key_date(user, enquiry),
        "can_manage_links": policies.can_change_enquiry_status(user, enquiry),
        "document_form": (
            (bound.get("document_form") or StaffDocumentForm(prefix="doc"))
            if policies.can_add_staff_document(user, enquiry)
            else None
        ),
        "message_form": (
            (
                bound.get("message_form")
                # Mail in: answer by mail, as the group wrote.
                or PublicMessageForm(
                    prefix="msg",
                    initial={
                        "by_email": enquiry.channel == Channel.EMAIL,
                        # An article or a snippet the adviser chose to insert (the
                        # guidance and snippet panels).
                        "body": context.get("update_insert", ""),
                    },
                )
            )
            if policies.can_publish_message(user, enquiry)
            else None
        ),
        # One per rendering of the form: a double click or a resubmission publishes once.
        "submission_key": bound.get("submission_key") or uuid.uuid4().hex,
        "can_edit_enquiry": policies.can_edit_enquiry(user, enquiry),
    }


@require_POST
@staff_required
def document_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Keep a staff-only document on the enquiry (checked by its content, not its name)."""
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    return form_post(
        request,
        enquiry_page,
        reference,
        StaffDocumentForm(request.POST, request.FILES, prefix="doc"),
        lambda data: services.staff_document_add(
            enquiry=enquiry, upload=data["file"], actor=request.user
        ),
        allowed=policies.can_add_staff_document(request.user, enquiry),
        bound="document_form",
        done="Document kept (staff only).",
        then=enquiry_url(reference, "documents-heading"),
        refusals={UploadRefused: "file"},
    )


@require_safe
@staff_required
def document_download(request: HttpRequest, reference: str, attachment_id: int) -> HttpResponseBase:
    """A document as a download, to desk staff who can see the enquiry (else 404)."""
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    attachment = selectors.attachment_get(enquiry=enquiry, attachment_id=attachment_id)
    return attachment_response(attachment)


@require_POST
@staff_required
def message_publish(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Send an update to the group, with any documents; optionally wait for their reply."""
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    key = request.POST.get("submission_key", "")[:64]
    return form_post(
        request,
        enquiry_page,
        reference,
        PublicMessageForm(request.POST, request.FILES, prefix="msg"),
        lambda data: services.group_update_send(
            enquiry=enquiry,
            body=data["body"],
            files=data["files"],
            awaiting_group=data["awaiting_group"],
            by_email=data["by_email"],
            submission_key=key,
            actor=request.user,
        ),
        allowed=policies.can_publish_message(request.user, enquiry),
        bound="message_form",
        shown={"submission_key": key},
        done="Update sent to the group.",
        then=enquiry_url(reference, "timeline-heading"),
        refusals={UploadRefused: "files"},
    )
