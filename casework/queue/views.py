"""The queue page, claim and assign, bulk actions on the ticked rows, and the enquiry page's
assignment panel."""

from collections.abc import Collection

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST, require_safe

from casework import policies
from casework.desk import selectors as desk_selectors
from casework.desk.views import (
    back_to_enquiry,
    enquiry_page,
    enquiry_url,
    form_errors_from,
    form_post,
    staff_required,
)
from casework.letters import selectors as letters_selectors
from casework.queue import selectors, services
from casework.queue.filters import EnquiryFilter
from casework.queue.forms import AssignForm, BulkForm, queue_filters
from casework.saved_views import selectors as saved_view_selectors
from casework.workspace import selectors as workspace_selectors
from config.http import AuthenticatedHttpRequest, no_store
from enquiries.models import Enquiry

PAGE_SIZE = 50


@require_safe
@staff_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _queue_page(request, request.GET)


def _queue_page(
    request: AuthenticatedHttpRequest,
    params: QueryDict,
    *,
    bulk_form: BulkForm | None = None,
    ticked: Collection[int] = (),
    status: int = 200,
) -> HttpResponse:
    """The queue with the filters in ``params``; ``bulk_form``, bound, when a bulk action
    was refused (its errors summarised, its rows still ticked)."""
    user = request.user
    queues = selectors.queues_for(user)
    current = params.get("queue", selectors.Queue.MINE)
    current = current if current in dict(queues) else selectors.Queue.MINE
    is_manager = policies.is_manager(user)
    filters = queue_filters(
        EnquiryFilter(params, queryset=Enquiry.objects.none()).form, is_manager=is_manager
    )
    try:
        enquiries = selectors.enquiry_list(user=user, queue=current, filters=params)
        invalid = not filters.form.is_valid()
    except selectors.FilterError:
        # Show the queue unfiltered under the errors, rather than an empty page.
        enquiries, invalid = selectors.enquiry_list(user=user, queue=current), True
    # Each row's "Outside England" marker, in the list's own query.
    enquiries = enquiries.annotate(outside_england_in=selectors.outside_england_expression())
    page = Paginator(enquiries, PAGE_SIZE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    if bulk_form is None:
        bulk_form = BulkForm(
            is_manager=is_manager, selectable=[], templates=_bulk_templates(is_manager)
        )
    context = {
        "queues": queues,
        "current_queue": current,
        "page": page,
        "unread": selectors.unread_replies(
            user=user, enquiry_ids=[enquiry.pk for enquiry in page.object_list]
        ),
        "filters": filters,
        "form": filters.form,  # for the error summary
        "invalid": invalid,
        "query": query.urlencode(),
        "is_manager": is_manager,
        "tasks_due": workspace_selectors.tasks_due_for_user(user=user),
        "saved_views": saved_view_selectors.saved_view_list(user=user),
        "view_query": query.urlencode(),
        "view_teams": saved_view_selectors.shareable_teams(user=user),
        "today": timezone.localdate(),
        "bulk_form": bulk_form,
        "ticked": set(ticked),
    }
    status = 400 if invalid else status
    return no_store(render(request, "casework/queue.html", context, status=status))


def _bulk_templates(is_manager: bool) -> list[tuple[str, str]]:
    """The letters a manager may issue from the queue (none for anyone else: no query)."""
    if not is_manager:
        return []
    return [
        (choice.template.slug, choice.template.name)
        for choice in letters_selectors.letter_template_choices_for_bulk()
    ]


def _assign_form(enquiry: Enquiry, advisers: list | None = None) -> AssignForm:
    """Starts at whoever holds the enquiry now (from the prefetched history: no query);
    ``advisers``: the form's choices already read with the page's others."""
    held_by = next((a.adviser_id for a in enquiry.assignments.all() if a.is_current), None)
    return AssignForm(initial={"adviser": held_by}, advisers=advisers)


@require_POST
@staff_required
def enquiry_claim(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    try:
        services.enquiry_claim(enquiry=enquiry, actor=request.user)
    except services.AlreadyAssigned as error:
        messages.error(request, str(error))
        return enquiry_page.render(request, reference, status=409)
    messages.success(request, f"{reference} is now in your queue.")
    return back_to_enquiry(reference)


@require_POST
@staff_required
def enquiry_assign(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)

    def still_visible(_) -> str:
        """Back to the enquiry, or to the queue if it went where the user cannot see it."""
        visible = desk_selectors.enquiry_visible_queryset(user=request.user)
        if visible.filter(pk=enquiry.pk).exists():
            return enquiry_url(reference)
        return reverse("casework:queue")

    return form_post(
        request,
        enquiry_page,
        reference,
        AssignForm(request.POST),
        lambda data: services.enquiry_assign(
            enquiry=enquiry, adviser=data["adviser"], reason=data["reason"], actor=request.user
        ),
        allowed=policies.can_assign_enquiry(request.user, enquiry),
        bound="assign_form",
        done=lambda assignment: (
            f"{reference} is now with "
            f"{assignment.adviser.name if assignment.adviser else 'the team queue'}."
        ),
        then=still_visible,
    )


@enquiry_page.reads
def _assignment_reads(request: HttpRequest, enquiry: Enquiry) -> dict:
    """The advisers a manager may assign it to."""
    if not policies.can_assign_enquiry(request.user, enquiry):
        return {}
    return {"assign_advisers": AssignForm.base_fields["adviser"].queryset}  # type: ignore[attr-defined]


@enquiry_page.panel()
def _assignment_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """Claim, assign (for managers) and, for those who may see it, the routing verdict."""
    user = request.user
    return {
        "can_claim": policies.can_claim_enquiry(user, enquiry),
        "assign_form": (
            (bound.get("assign_form") or _assign_form(enquiry, context["rows"]["assign_advisers"]))
            if policies.can_assign_enquiry(user, enquiry)
            else None
        ),
        "routing": (
            services.routing_decision(enquiry=enquiry)
            if policies.can_see_routing_detail(user) and enquiry.is_open
            else None
        ),
    }


@require_POST
@staff_required
def queue_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The ticked rows of the queue, one action: each enquiry through its own service; the
    page says which were done and why any were not, and keeps the queue's filters. A letter
    for each is one batch instead (``_bulk_letter``)."""
    back = reverse("casework:queue")
    query = QueryDict(request.POST.get("query", ""))
    if query:
        back += "?" + query.urlencode()
    if request.POST.get("bulk-action") == services.BulkAction.LETTER:
        return _bulk_letter(request, query, back)
    posted = [value for value in request.POST.getlist("bulk-selected") if value.isdigit()]
    form = BulkForm(
        request.POST,
        is_manager=policies.is_manager(request.user),
        selectable=[int(value) for value in posted],
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    data = form.cleaned_data
    visible = desk_selectors.enquiry_visible_queryset(user=request.user)
    chosen = list(visible.filter(pk__in=data["selected"]))
    try:
        result = services.enquiries_bulk(
            enquiries=chosen,
            action=data["action"],
            actor=request.user,
            adviser=data.get("adviser"),
            status=data.get("status") or "",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    if result.done:
        messages.success(
            request,
            f"Done for {len(result.done)} enquir{'y' if len(result.done) == 1 else 'ies'}: "
            + ", ".join(result.done)
            + ".",
        )
    for reference, why in result.refused:
        messages.error(request, f"{reference} was not changed: {why}")
    missing = len(data["selected"]) - len(chosen)
    if missing:
        messages.error(request, f"{missing} of the selected enquiries are not yours to change.")
    return redirect(back)


def _bulk_letter(request: AuthenticatedHttpRequest, query: QueryDict, back: str) -> HttpResponse:
    """The ticked rows, one letter each, as one batch (managers). Refused as a whole, with
    the reason on the queue page again (400) and nothing saved: no letter chosen, one that
    cannot be issued in bulk, or a row the user may not act on."""
    if not policies.is_manager(request.user):
        raise PermissionDenied("Only managers can issue letters in bulk.")
    posted = [int(v) for v in request.POST.getlist("bulk-selected") if v.isdigit() and len(v) < 10]
    choices = letters_selectors.letter_template_choices_for_bulk()
    form = BulkForm(
        request.POST,
        is_manager=True,
        selectable=posted,
        templates=[(c.template.slug, c.template.name) for c in choices],
    )
    if form.is_valid():
        data = form.cleaned_data
        visible = desk_selectors.enquiry_visible_queryset(user=request.user)
        chosen = list(visible.filter(pk__in=data["selected"]))
        version = next(c.version for c in choices if c.template.slug == data["template"])
        try:
            if missing := len(set(data["selected"])) - len(chosen):
                raise ValidationError(
                    f"{missing} of the ticked enquiries are not yours to act on (or no longer "
                    "exist), so no letters were issued: check the rows ticked below and try again."
                )
            batch = services.enquiries_bulk_letter(
                enquiries=chosen,
                template_version=version,
                publish=data["publish"],
                actor=request.user,
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            made = f"{batch.total} letter{'' if batch.total == 1 else 's'}"
            messages.success(
                request,
                format_html(
                    '{} {} being made. <a href="{}">Follow the batch\'s progress</a>.',
                    made,
                    "is" if batch.total == 1 else "are",
                    reverse("casework:letter_batch", args=[batch.pk]),
                ),
            )
            return redirect(back)
    params = query.copy()
    if (page := request.POST.get("page", "")).isdigit():
        params["page"] = page
    return _queue_page(request, params, bulk_form=form, ticked=posted, status=400)
