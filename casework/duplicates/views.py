"""Likely duplicates (managers), and merging contacts, organisations and enquiries
(docs/duplicates.md)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from casework import policies
from casework.desk import selectors as desk_selectors
from casework.desk.views import (
    apply,
    enquiry_page,
    enquiry_url,
    manager_required,
    page,
    staff_required,
)
from casework.duplicates import selectors, services, tasks
from casework.duplicates.forms import EnquiryMergeForm, MergeForm
from casework.models import DuplicatePair
from config.http import AuthenticatedHttpRequest
from enquiries.references import is_reference
from enquiries.services import StaleEdit

PAIRS_PER_PAGE = 50


@require_http_methods(["GET", "HEAD", "POST"])
@manager_required
def duplicates(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        tasks.find_duplicates.enqueue(days=None)
        messages.success(request, "Looking for duplicates: refresh this page in a minute.")
        return redirect("casework:duplicates")
    kind = request.GET.get("kind", "")
    kind = kind if kind in DuplicatePair.Kind.values else ""
    pages = Paginator(selectors.open_pairs(kind), PAIRS_PER_PAGE)
    shown = pages.get_page(request.GET.get("page"))
    context = {"pairs": selectors.pair_views(list(shown)), "page": shown, "kind": kind}
    return page(request, "casework/duplicates/index.html", context)


@require_POST
@manager_required
def dismiss(request: AuthenticatedHttpRequest, pair_id: int) -> HttpResponse:
    pair = get_object_or_404(DuplicatePair, pk=pair_id)
    services.pair_dismiss(pair=pair, actor=request.user)
    messages.success(request, "Marked as not duplicates: the pair will not be shown again.")
    return redirect("casework:duplicates")


def _display(value: Any) -> str:
    return "" if value is None else str(value)


def _rows(fields: list[str], model: Any, survivor: Any, merged: Any) -> list[dict[str, Any]]:
    rows = []
    for name in fields:
        label = str(model._meta.get_field(name).verbose_name).capitalize()
        a, b = getattr(survivor, name), getattr(merged, name)
        if name == "org_type":
            a, b = survivor.get_org_type_display(), merged.get_org_type_display()
        rows.append(
            {
                "name": name,
                "label": label,
                "survivor": _display(a),
                "merged": _display(b),
                "differs": _display(a) != _display(b),
            }
        )
    return rows


def _back(request: HttpRequest) -> HttpResponse:
    reference = request.GET.get("back", "")
    if is_reference(reference):
        return redirect(enquiry_url(reference))
    if policies.is_manager(request.user):
        return redirect("casework:duplicates")
    return redirect("casework:queue")


def _merge_page(
    request: AuthenticatedHttpRequest,
    *,
    kind: str,
    survivor: Any,
    merged: Any,
    fields: list[str],
    merge: Any,
) -> HttpResponse:
    rows = _rows(fields, type(survivor), survivor, merged)
    form = MergeForm(request.POST or None, rows=rows)
    if request.method == "POST":
        chosen = dict.fromkeys(fields, "survivor")

        def act(data: dict) -> None:
            chosen.update(data)
            merge(survivor=survivor, merged=merged, chosen=chosen, actor=request.user)

        if apply(form, act, refusals={services.MergeRefused: "__all__"}):
            messages.success(request, f"Merged: {merged.pk} now leads to {survivor.pk}.")
            return _back(request)
    swap = reverse(f"casework:merge_{kind}", args=[merged.pk, survivor.pk])
    if request.GET.get("back"):
        swap += f"?back={request.GET['back']}"
    context = {
        "kind": kind,
        "survivor": survivor,
        "merged": merged,
        "rows": rows,
        "form": form,
        "swap": swap,
        "enquiries": {
            "survivor": survivor.enquiries.order_by("-received_at")[:10],
            "merged": merged.enquiries.order_by("-received_at")[:10],
        },
    }
    return page(request, "casework/duplicates/merge.html", context, 400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def merge_contacts(
    request: AuthenticatedHttpRequest, contact_id: int, other_contact_id: int
) -> HttpResponse:
    """``contact_id`` stays, ``other_contact_id`` is merged into it."""
    live = selectors.live_contacts().select_related("organisation")
    survivor = get_object_or_404(live, pk=contact_id)
    merged = get_object_or_404(live, pk=other_contact_id)
    if survivor.pk == merged.pk or not policies.can_merge_contacts(request.user, survivor, merged):
        raise Http404("No such pair")
    return _merge_page(
        request,
        kind="contacts",
        survivor=survivor,
        merged=merged,
        fields=services.CONTACT_FIELDS,
        merge=services.contacts_merge,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@manager_required
def merge_organisations(
    request: AuthenticatedHttpRequest, organisation_id: int, other_organisation_id: int
) -> HttpResponse:
    """``organisation_id`` stays, ``other_organisation_id`` is merged into it."""
    live = selectors.live_organisations().select_related("local_authority", "registered_contact")
    survivor = get_object_or_404(live, pk=organisation_id)
    merged = get_object_or_404(live, pk=other_organisation_id)
    if survivor.pk == merged.pk:
        raise Http404("No such pair")
    return _merge_page(
        request,
        kind="organisations",
        survivor=survivor,
        merged=merged,
        fields=services.ORGANISATION_FIELDS,
        merge=services.organisations_merge,
    )


def _other_enquiry(
    request: AuthenticatedHttpRequest, survivor: Any, reference: str, form: EnquiryMergeForm
) -> Any:
    """The enquiry to merge in, or None with the reason on the form."""
    try:
        other = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    except Http404:
        form.add_error("other", "No enquiry you may see has that reference.")
        return None
    if other.pk == survivor.pk:
        form.add_error("other", "That is this enquiry: give the other one's reference.")
        return None
    if not policies.can_merge_enquiries(request.user, survivor, other):
        form.add_error("other", "Only a manager, or the adviser holding both, can merge these.")
        return None
    return other


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def merge_enquiry(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Two steps: the other enquiry's reference, then both side by side to confirm (the
    versions seen then are sent back, so a change in between stops the merge)."""
    survivor = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    form = EnquiryMergeForm(request.POST or None)
    other = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        other = _other_enquiry(request, survivor, data["other"], form)
        if other is not None and data["confirm"]:
            try:
                services.enquiries_merge(
                    survivor=survivor,
                    merged=other,
                    actor=request.user,
                    survivor_version=data["survivor_version"] or 0,
                    merged_version=data["merged_version"] or 0,
                )
            except StaleEdit as stale:
                form.add_error(None, f"{stale} Nothing was merged: check both and confirm again.")
                survivor.refresh_from_db()
                other.refresh_from_db()
            except (services.MergeRefused, PermissionDenied) as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, f"{other.reference} was merged into this enquiry.")
                return redirect(enquiry_url(survivor.reference))
    confirm = None
    if other is not None:
        confirm = EnquiryMergeForm(
            initial={
                "other": other.reference,
                "survivor_version": survivor.version,
                "merged_version": other.version,
                "confirm": True,
            }
        )
    context = {"enquiry": survivor, "other": other, "form": form, "confirm": confirm}
    return page(
        request, "casework/duplicates/merge_enquiry.html", context, 400 if form.errors else 200
    )


@enquiry_page.reads
def _duplicates_reads(request: HttpRequest, enquiry: Any) -> dict:
    return selectors.triage_candidates(contact=enquiry.contact, organisation=enquiry.organisation)


@enquiry_page.panel(order=60)
def _duplicates_panel(request: HttpRequest, enquiry: Any, context: dict, bound: dict) -> dict:
    """At triage: people and groups on the desk that look like this enquiry's, with a way
    to compare and merge for those allowed."""
    found = selectors.triage_duplicates(
        contact=enquiry.contact, organisation=enquiry.organisation, rows=context["rows"]
    )
    return {
        "likely_contacts": [
            (likely, policies.can_merge_contacts(request.user, enquiry.contact, likely.record))
            for likely in found["contacts"]
        ],
        "likely_organisations": found["organisations"],
        "can_merge_enquiries": policies.can_change_enquiry_status(request.user, enquiry),
    }
