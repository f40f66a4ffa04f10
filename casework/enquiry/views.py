"""One enquiry's page (its frame: the other features add their panels), its status, logging
one by hand, and editing it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework import policies
from casework.desk import selectors as desk_selectors
from casework.desk.views import (
    enquiry_page,
    enquiry_url,
    form_errors_from,
    form_post,
    staff_required,
    versioned_edit,
)
from casework.enquiry import services
from casework.enquiry.forms import EnquiryEditForm, LogEnquiryForm, StatusForm
from casework.enquiry.selectors import enquiry_eligibility_warnings, enquiry_outside_england
from config.http import AuthenticatedHttpRequest, no_store
from enquiries import services as enquiries_services
from enquiries.feedback import selectors as feedback_selectors
from enquiries.models import Enquiry
from enquiries.services import TransitionError


@enquiry_page.load
def _load(request: AuthenticatedHttpRequest, reference: str) -> tuple[Enquiry, dict]:
    """The enquiry (with the time recorded on it) if the user may see it; opening it is
    logged as a view of the contact's personal data."""
    enquiry = desk_selectors.enquiry_get_for_user(
        user=request.user, reference=reference, with_time=True
    )
    if enquiry.merged_into_id:
        raise MergedAway(enquiry.merged_into_id)
    enquiries_services.personal_data_access_record(
        enquiry=enquiry, viewer=request.user, channel="page"
    )
    return enquiry, {"enquiry": enquiry}


@enquiry_page.reads
def _reads(request: HttpRequest, enquiry: Enquiry) -> dict:
    """Its assignment history and secondary topics, and the feedback survey."""
    return {
        **desk_selectors.history_parts(enquiry=enquiry),
        "feedback": feedback_selectors.feedback_rows(enquiry=enquiry),
    }


@enquiry_page.panel(order=0)
def _history_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """The assignment history; both it and the secondary topics are on the enquiry as if
    prefetched, for the panels after this one and the template."""
    desk_selectors.history_attach(enquiry=enquiry, rows=context["rows"])
    return {"assignments": enquiry.assignments.all()}


class MergedAway(Http404):
    """The enquiry was merged into another: its page leads there."""

    def __init__(self, survivor_id: int) -> None:
        super().__init__("Merged into another enquiry")
        self.survivor_id = survivor_id


@enquiry_page.panel()
def _status_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """The status form (only the moves allowed from here) and the link to the history."""
    user = request.user
    return {
        "status_form": (
            (bound.get("status_form") or StatusForm(current=enquiry.status))
            if policies.can_change_enquiry_status(user, enquiry)
            else None
        ),
        "can_see_history": policies.can_see_enquiry_history(user, enquiry),
    }


@enquiry_page.panel()
def _where_and_who_panel(
    request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict
) -> dict:
    """Whether the rights apply where the group is (England), and who may act under the
    Right to Bid against who is asking: warnings, never a block."""
    return {
        "outside_england": enquiry_outside_england(enquiry),
        "eligibility_warnings": enquiry_eligibility_warnings(enquiry),
    }


@enquiry_page.panel()
def _feedback_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """What the group said when asked whether the desk helped, once the survey is sent."""
    return {"feedback": next(iter(context["rows"]["feedback"]), None)}


@require_safe
@staff_required
def enquiry_detail(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    try:
        return enquiry_page.render(request, reference)
    except MergedAway as moved:
        survivor = Enquiry.objects.only("reference").get(pk=moved.survivor_id)
        messages.info(request, f"{reference} was merged into {survivor.reference}.")
        return redirect(enquiry_url(survivor.reference), permanent=True)


@require_POST
@staff_required
def enquiry_status(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    return form_post(
        request,
        enquiry_page,
        reference,
        StatusForm(request.POST, current=enquiry.status),
        lambda data: services.enquiry_set_status(
            enquiry=enquiry, status=data["status"], actor=request.user
        ),
        allowed=policies.can_change_enquiry_status(request.user, enquiry),
        bound="status_form",  # closing without a closing outcome is refused on the field
        done=lambda updated: f"Status is now {updated.get_status_display().lower()}.",
        then=enquiry_url(reference),
        conflicts=(TransitionError,),  # someone else moved it on since the page was read
    )


@require_http_methods(["GET", "POST"])
@staff_required
def enquiry_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = LogEnquiryForm(
        request.POST if request.method == "POST" else None,
        can_keep=policies.can_keep_logged_enquiry(user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            submitted = services.enquiry_log(
                data=form.to_input(),
                channel=form.cleaned_data["channel"],
                actor=user,
                keep=form.cleaned_data.get("keep", False),
                received_at=form.cleaned_data["received_at"],
            )
        except ValidationError as error:  # a time received in the future, say
            form_errors_from(form, error)
        else:
            return _logged(request, submitted.enquiry)
    status = 400 if form.is_bound else 200
    return no_store(render(request, "casework/enquiry_log.html", {"form": form}, status=status))


def _logged(request: HttpRequest, enquiry: Enquiry) -> HttpResponse:
    """Say where the enquiry just logged went, and go there if the logger may open it."""
    user = request.user
    if enquiry.assigned_to_id == user.pk:
        where = "It is in your queue."
    elif holder := enquiry.assigned_to:
        where = f"It was routed to {holder.get_full_name() or holder.get_username()}."
    else:
        where = "It is waiting in the team queue."
    messages.success(request, f"Enquiry {enquiry.reference} logged. {where}")
    visible = desk_selectors.enquiry_visible_queryset(user=user).filter(pk=enquiry.pk).exists()
    if not visible:  # routed to another team: the logger may not open it
        return redirect("casework:queue")
    return redirect("casework:enquiry", reference=enquiry.reference)


@require_http_methods(["GET", "POST"])
@staff_required
def enquiry_edit(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    if not policies.can_edit_enquiry(request.user, enquiry):
        raise PermissionDenied
    return versioned_edit(
        request,
        enquiry,
        EnquiryEditForm,
        lambda version, data: services.enquiry_edit(
            enquiry=enquiry, expected_version=version, changes=data, actor=request.user
        ),
        template="casework/enquiry_edit.html",
        context={"enquiry": enquiry},
        done="Details saved.",
        then=enquiry_url(reference),
    )
