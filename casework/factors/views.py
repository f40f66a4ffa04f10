"""Second factors: the code asked for after the password, your sign-in security page
(set up an authenticator from a QR code made here, recovery codes shown once), and the
managers' list of staff, where a lost phone is reset."""

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework import policies
from casework.desk.views import apply, form_errors_from, manager_required, page
from casework.factors import selectors, services
from casework.factors.forms import AuthenticatorCodeForm, CodeForm
from config.http import AuthenticatedHttpRequest


def _next(request: HttpRequest) -> str:
    """Where to go once the step is done: the page asked for, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("casework:home") if policies.is_staff_member(request.user) else "/admin/"


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    if services.pending(request) != services.VERIFY:
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and apply(
        form,
        lambda data: services.code_check(request=request, user=request.user, code=data["code"]),
    ):
        return redirect(_next(request))
    status = 400 if form.errors else 200
    return page(
        request, "casework/factors/verify.html", {"form": form, "next": _next(request)}, status
    )


def _security_page(
    request: AuthenticatedHttpRequest, *, codes: list[str] | None = None, status: int = 200
) -> HttpResponse:
    return page(
        request,
        "casework/factors/security.html",
        {
            "summary": selectors.summary(request.user),
            "owed": services.pending(request),
            "codes": codes,
            "next": _next(request),
        },
        status,
    )


@require_safe
@login_required
def security(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _security_page(request)


def _qr_svg(config_url: str) -> str:
    """The key as a QR code, drawn here (never sent to a QR service)."""
    svg = segno.make(config_url, error="m").svg_inline(
        scale=4, title="QR code holding this desk's authenticator key", svgclass="qr"
    )
    return mark_safe(svg)  # noqa: S308 - segno draws it from our own key; nothing user-given


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def authenticator(request: AuthenticatedHttpRequest) -> HttpResponse:
    device = services.authenticator_begin(user=request.user)
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.authenticator_confirm(
                request=request, user=request.user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Your authenticator app is set up.")
            return _security_page(request, codes=codes)
    key = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": _qr_svg(device.config_url),
        "key_groups": [key[i : i + 4] for i in range(0, len(key), 4)],
        "next": _next(request),
    }
    status = 400 if form.errors else 200
    return page(request, "casework/factors/authenticator.html", context, status)


@require_POST
@login_required
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    if selectors.authenticator(request.user) is None:
        messages.error(request, "Set up an authenticator app first.")
        return redirect("casework:factor_security")
    return _security_page(request, codes=services.recovery_codes_make(user=request.user))


@require_POST
@login_required
def authenticator_remove(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        services.authenticator_remove(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your authenticator app and recovery codes are removed.")
    return redirect("casework:factor_security")


@require_safe
@manager_required
def staff_factors(request: HttpRequest) -> HttpResponse:
    return page(request, "casework/factors/staff.html", {"staff": selectors.staff_factors()})


@require_POST
@manager_required
def factors_reset(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id, is_active=True)
    ended = services.factors_reset(user=person, actor=request.user)
    messages.success(
        request,
        f"Second factors reset for {person.get_full_name() or person.get_username()}: "
        f"{ended} session{'s' if ended != 1 else ''} ended. They will set one up at their "
        "next sign-in.",
    )
    return redirect("casework:factor_staff")
