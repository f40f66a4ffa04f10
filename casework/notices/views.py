"""The notices page, opening a notice, and the count the nav's script asks for."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.desk.views import page, staff_required
from casework.notices import selectors, services
from casework.notices.forms import EmailPreferenceForm
from config.http import AuthenticatedHttpRequest, no_store
from enquiries.models import Notice


@require_safe
@staff_required
def notices(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "notices": list(selectors.notices_for(user=request.user)),
        "unread": selectors.unread_count(user=request.user),
    }
    return page(request, "casework/notices.html", context)


@require_safe
@staff_required
def notice_open(request: AuthenticatedHttpRequest, notice_id: int) -> HttpResponse:
    notice = get_object_or_404(Notice, pk=notice_id, user=request.user)
    target = services.notice_open(notice=notice)
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "/desk/"
    return redirect(target)


@require_POST
@staff_required
def notices_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.notices_read_all(user=request.user)
    messages.success(request, f"{count} notice{'' if count == 1 else 's'} marked read.")
    return redirect("casework:notices")


@require_safe
@staff_required
def notices_count(request: AuthenticatedHttpRequest) -> JsonResponse:
    response = JsonResponse(
        {
            "unread": selectors.unread_count(user=request.user),
            "poll_seconds": settings.NOTICES_POLL_SECONDS,
        }
    )
    no_store(response)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def email_preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = selectors.email_preference(user=request.user)
    form = EmailPreferenceForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.email_preference_save(user=request.user, **form.cleaned_data)
        messages.success(request, "Your email choices are saved.")
        return redirect("casework:notices")
    return page(
        request, "casework/email_preferences.html", {"form": form}, 400 if form.errors else 200
    )
