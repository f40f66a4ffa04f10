"""The enquiry page's group-facing actions: show a deadline to the group (or stop), and
revoke or resend its tracking links. Each view parses, calls one service, and goes back
to the enquiry page (403 for a role that may not, 404 for an enquiry one cannot see)."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from casework import selectors
from casework import services_publish as services
from casework.views import staff_required


def _back_to(reference: str, anchor: str) -> HttpResponse:
    return redirect(reverse("casework:enquiry", args=[reference]) + f"#{anchor}")


@require_POST
@staff_required
def deadline_publish(
    request: HttpRequest, reference: str, key_date_id: int, rule_id: int
) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
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
        return _back_to(reference, "key-dates-heading")
    messages.success(
        request,
        f"The group can now see “{public_date.label}” ({public_date.date:%-d %B %Y})"
        + (", with reminders 14 and 3 days before." if public_date.is_group_deadline else "."),
    )
    return _back_to(reference, f"key-date-{key_date_id}")


@require_POST
@staff_required
def deadline_withdraw(
    request: HttpRequest, reference: str, key_date_id: int, rule_id: int
) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if services.deadline_withdraw(
        enquiry=enquiry, key_date_id=key_date_id, rule_id=rule_id, actor=request.user
    ):
        messages.success(request, "The group no longer sees that date.")
    return _back_to(reference, f"key-date-{key_date_id}")


@require_POST
@staff_required
def tracking_links_revoke(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    count = services.tracking_links_revoke(enquiry=enquiry, actor=request.user)
    messages.success(
        request,
        f"{count} tracking link{'s' if count != 1 else ''} stopped. "
        "Send the contact a new one when they need it.",
    )
    return _back_to(reference, "group-links-heading")


@require_POST
@staff_required
def tracking_link_send(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    key = request.POST.get("key", "")[:40] or uuid.uuid4().hex
    services.tracking_link_send(enquiry=enquiry, actor=request.user, key=key)
    messages.success(request, "A new tracking link is on its way to the contact.")
    return _back_to(reference, "group-links-heading")
