"""Staff desk pages. Each view parses, calls one selector or service, and responds."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casework import policies, selectors, services
from casework.filters import EnquiryFilter
from casework.forms import AssignForm, LogEnquiryForm, StatusForm
from enquiries.services import TransitionError

PAGE_SIZE = 50


def staff_required(view):
    """Signed-in desk staff only; anyone else signed in gets 403, anonymous users sign in."""

    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not policies.is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    queues = selectors.queues_for(request.user)
    current = request.GET.get("queue", selectors.Queue.MINE)
    if current not in dict(queues):
        current = selectors.Queue.MINE
    filterset = EnquiryFilter(request.GET or None)
    try:
        enquiries = selectors.enquiry_list(user=request.user, queue=current, filters=request.GET)
        filter_errors = None
    except selectors.FilterError as error:
        enquiries, filter_errors = selectors.enquiry_list(user=request.user, queue=current), error
    page = Paginator(enquiries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    status = 400 if filter_errors else 200
    return _no_store(
        render(
            request,
            "casework/queue.html",
            {
                "queues": queues,
                "current_queue": current,
                "page": page,
                "filter": filterset,
                "filter_errors": filter_errors,
                "query": query.urlencode(),
                "is_manager": policies.is_manager(request.user),
            },
            status=status,
        )
    )


@staff_required
def enquiry_detail(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(
        user=request.user, reference=reference, with_history=True
    )
    user = request.user
    context = {
        "enquiry": enquiry,
        "assignments": enquiry.assignments.all(),
        "events": enquiry.events.select_related("actor")[:50],
        "status_form": StatusForm(initial={"status": enquiry.status}),
        "can_claim": policies.can_claim_enquiry(user, enquiry),
        "can_change_status": policies.can_change_enquiry_status(user, enquiry),
        "can_assign": policies.can_assign_enquiry(user, enquiry),
        "assign_form": AssignForm() if policies.can_assign_enquiry(user, enquiry) else None,
        "routing": (
            services.routing_decision(enquiry=enquiry)
            if policies.can_see_routing_detail(user)
            else None
        ),
    }
    return _no_store(render(request, "casework/enquiry_detail.html", context))


def _back(enquiry_reference: str) -> HttpResponse:
    return redirect(reverse("casework:enquiry", args=[enquiry_reference]))


@require_POST
@staff_required
def enquiry_claim(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    try:
        services.enquiry_claim(enquiry=enquiry, actor=request.user)
        messages.success(request, f"{reference} is now in your queue.")
    except services.AlreadyAssigned as error:
        messages.error(request, str(error))
    return _back(reference)


@require_POST
@staff_required
def enquiry_assign(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an adviser from the list, or the team queue.")
        return _back(reference)
    services.enquiry_assign(
        enquiry=enquiry,
        adviser=form.cleaned_data["adviser"],
        reason=form.cleaned_data["reason"],
        actor=request.user,
    )
    messages.success(request, f"{reference} has been reassigned.")
    if not selectors.enquiry_visible_queryset(user=request.user).filter(pk=enquiry.pk).exists():
        return redirect("casework:queue")
    return _back(reference)


@require_POST
@staff_required
def enquiry_status(request: HttpRequest, reference: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status from the list.")
        return _back(reference)
    try:
        updated = services.enquiry_set_status(
            enquiry=enquiry, status=form.cleaned_data["status"], actor=request.user
        )
        messages.success(request, f"Status is now {updated.get_status_display().lower()}.")
    except TransitionError as error:
        messages.error(request, str(error))
    return _back(reference)


@staff_required
def enquiry_log(request: HttpRequest) -> HttpResponse:
    form = LogEnquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        submitted = services.enquiry_log(
            data=form.to_input(),
            channel=form.cleaned_data["channel"],
            actor=request.user,
            keep=form.cleaned_data["keep"],
            received_at=form.cleaned_data["received_at"],
        )
        messages.success(request, f"Enquiry {submitted.enquiry.reference} logged.")
        return redirect("casework:enquiry", reference=submitted.enquiry.reference)
    status = 400 if form.is_bound else 200
    return _no_store(render(request, "casework/enquiry_log.html", {"form": form}, status=status))
