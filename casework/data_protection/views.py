"""The managers' data-protection page: the retention period and what the next run will
anonymise, legal holds, erasure on request, and subject access requests (record one,
download its export by the request's number, never the person's address, and record its
release)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.data_protection import selectors, services
from casework.data_protection.forms import (
    ErasureForm,
    LegalHoldForm,
    RetentionPolicyForm,
    SubjectAccessForm,
)
from casework.desk.pdf import RenderError
from casework.desk.views import apply, manager_required
from casework.models import (
    ErasureRequest,
    LegalHold,
    SubjectAccessRequest,
    SubjectAccessWithholding,
)
from config.http import AuthenticatedHttpRequest, no_store


def data_protection_page(
    request: HttpRequest,
    *,
    status: int = 200,
    access_form: SubjectAccessForm | None = None,
    policy_form: RetentionPolicyForm | None = None,
    hold_form: LegalHoldForm | None = None,
    erasure_form: ErasureForm | None = None,
) -> HttpResponse:
    outlook = selectors.retention_outlook()
    context = {
        "outlook": outlook,
        "policy_form": policy_form or RetentionPolicyForm(initial={"years": outlook.years}),
        "hold_form": hold_form or LegalHoldForm(),
        "erasure_form": erasure_form or ErasureForm(prefix="erasure"),
        "erasures": list(ErasureRequest.objects.select_related("recorded_by")[:20]),
        "access_form": access_form or SubjectAccessForm(prefix="access"),
        "access_requests": selectors.requests_open(),
        "today": timezone.localdate(),
        "holds": list(
            selectors.active_holds().select_related("enquiry", "case", "placed_by")[:200]
        ),
    }
    return no_store(render(request, "casework/data_protection.html", context, status=status))


@require_safe
@manager_required
def data_protection(request: HttpRequest) -> HttpResponse:
    return data_protection_page(request)


@require_POST
@manager_required
def retention_policy(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RetentionPolicyForm(request.POST)
    if not apply(
        form, lambda data: services.retention_policy_set(years=data["years"], actor=request.user)
    ):
        return data_protection_page(request, status=400, policy_form=form)
    messages.success(request, f"Personal data is now kept for {form.cleaned_data['years']} years.")
    return redirect("casework:data_protection")


@require_POST
@manager_required
def legal_hold_place(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = LegalHoldForm(request.POST)
    if not apply(
        form,
        lambda data: services.legal_hold_place_by_reference(
            reference=data["reference"],
            reason=data["reason"],
            until=data["until"],
            actor=request.user,
        ),
    ):
        return data_protection_page(request, status=400, hold_form=form)
    messages.success(request, f"Legal hold placed on {form.cleaned_data['reference'].upper()}.")
    return redirect("casework:data_protection")


@require_POST
@manager_required
def legal_hold_release(request: AuthenticatedHttpRequest, hold_id: int) -> HttpResponse:
    hold = get_object_or_404(LegalHold, pk=hold_id)
    services.legal_hold_release(hold=hold, actor=request.user)
    messages.success(request, "Legal hold released.")
    return redirect("casework:data_protection")


@require_POST
@manager_required
def erasure(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A person's request to erase their data. The first post shows what would be erased
    and what is held back and why (the address stays in the form, never in a URL); the
    second, confirmed, carries it out."""
    form = ErasureForm(request.POST, prefix="erasure")
    if not form.is_valid():
        return data_protection_page(request, status=400, erasure_form=form)
    if request.POST.get("confirm") != "yes":
        items = selectors.erasure_preview(email=form.cleaned_data["email"])
        return no_store(
            render(
                request,
                "casework/erasure_confirm.html",
                {
                    "form": form,
                    "items": items,
                    "erasable": sum(1 for item in items if not item.held_back),
                },
            )
        )
    made: list[ErasureRequest] = []
    done = apply(
        form,
        lambda data: made.append(
            services.erasure_carry_out(
                email=data["email"],
                received_on=data["received_on"],
                note=data["note"],
                actor=request.user,
            )
        ),
    )
    if not done:
        return data_protection_page(request, status=400, erasure_form=form)
    record = made[0]
    messages.success(
        request,
        f"Erasure carried out: {record.enquiries_anonymised} enquiries anonymised, "
        f"{record.enquiries_held_back} held back, {record.contacts_erased} contact "
        "records erased.",
    )
    return redirect("casework:data_protection")


@require_POST
@manager_required
def sar_record(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SubjectAccessForm(request.POST, prefix="access")
    made: list[SubjectAccessRequest] = []
    if not apply(
        form,
        lambda data: made.append(
            services.sar_record(
                email=data["email"], received_on=data["received_on"], actor=request.user
            )
        ),
    ):
        return data_protection_page(request, status=400, access_form=form)
    messages.success(
        request,
        f"Subject access request {made[0].pk} recorded: due {made[0].due_on:%-d %B %Y}.",
    )
    return redirect("casework:data_protection")


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return no_store(response)


def _export(request: HttpRequest, request_id: int, kind: str) -> HttpResponse:
    sar = get_object_or_404(SubjectAccessRequest, pk=request_id)
    prepared = sar.export_json if kind == "json" else sar.export_pdf
    if sar.export_state == SubjectAccessRequest.ExportState.READY and prepared:
        with prepared.open("rb") as stored:
            content = stored.read()
        content_type = "application/json" if kind == "json" else "application/pdf"
        return _download(content, f"subject-access-{sar.pk}.{kind}", content_type)
    try:
        if kind == "json":
            content, content_type = services.sar_json(sar), "application/json"
        else:
            content, content_type = services.sar_pdf(sar), "application/pdf"
    except services.AddressRemoved:
        messages.error(
            request,
            f"Subject access request {sar.pk} was released and the person's address has "
            "been removed since, so its export can no longer be made.",
        )
        return redirect("casework:data_protection")
    except RenderError as error:
        messages.error(
            request,
            f"The PDF for subject access request {sar.pk} could not be made ({error}). "
            "Download the JSON export instead: it holds the same contents.",
        )
        return redirect("casework:data_protection")
    return _download(content, f"subject-access-{sar.pk}.{kind}", content_type)


@require_safe
@manager_required
def sar_export_json(request: HttpRequest, request_id: int) -> HttpResponse:
    return _export(request, request_id, "json")


@require_safe
@manager_required
def sar_export_pdf(request: HttpRequest, request_id: int) -> HttpResponse:
    return _export(request, request_id, "pdf")


@require_POST
@manager_required
def sar_prepare(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    """A large record's export, made by a worker: the page shows its progress."""
    sar = get_object_or_404(SubjectAccessRequest, pk=request_id)
    try:
        services.sar_export_prepare(request=sar, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except services.AddressRemoved:
        messages.error(request, "The person's address has been removed: no export can be made.")
    else:
        messages.success(
            request,
            f"The export for request {sar.pk} is being prepared: this page shows its progress "
            "when you reload it.",
        )
    return redirect(reverse("casework:data_protection") + f"#access-{sar.pk}")


@require_http_methods(["GET", "HEAD", "POST"])
@manager_required
def sar_review(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    """Before release, a manager decides which internal notes to withhold, and why."""
    sar = get_object_or_404(SubjectAccessRequest, pk=request_id, released_at__isnull=True)
    errors: list[str] = []
    if request.method == "POST":
        reasons = {
            int(key.removeprefix("note-")): request.POST.get(key, "")
            for key in request.POST
            if key.startswith("note-") and key.removeprefix("note-").isdigit()
        }
        try:
            withheld = services.sar_withhold(request=sar, reasons=reasons, actor=request.user)
        except ValidationError as error:
            errors = error.messages
        except services.AddressRemoved:
            errors = ["The person's address has been removed: the export can no longer be made."]
        else:
            messages.success(
                request,
                f"Review of request {sar.pk} saved: {withheld} note"
                f"{'s' if withheld != 1 else ''} withheld.",
            )
            return redirect("casework:data_protection")
    current = selectors.withheld_notes(sar)
    context = {
        "sar": sar,
        "errors": errors,
        "reasons": SubjectAccessWithholding.Reason.choices,
        "notes": [
            {"note": note, "reason": current.get(note.pk, "")}
            for note in selectors.subject_notes(email=sar.email)
        ],
    }
    return no_store(
        render(
            request,
            "casework/subject_access_review.html",
            context,
            status=400 if errors else 200,
        )
    )


@require_POST
@manager_required
def sar_release(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    sar = get_object_or_404(SubjectAccessRequest, pk=request_id)
    services.sar_release(request=sar, actor=request.user)
    messages.success(request, f"Subject access request {sar.pk} recorded as released.")
    return redirect("casework:data_protection")
