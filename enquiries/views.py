"""Public pages: the enquiry form, its confirmation, and the tracking page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_safe

from enquiries import ratelimit, selectors, services, validation
from enquiries.forms import EnquiryForm
from enquiries.models import Channel
from enquiries.notifications import tracking_url

CONFIRMATION_SESSION_KEY = "enquiry_confirmation"


def _private(response: HttpResponse) -> HttpResponse:
    """Pages with personal data: never cached. (The site-wide "same-origin" referrer
    policy already keeps tracking URLs from other sites; "no-referrer" would make
    browsers send `Origin: null` on our own form posts, which CSRF rightly refuses.)"""
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def enquire(request: HttpRequest) -> HttpResponse:
    # Bound on every POST, even an empty one: that is a form with errors, not a blank form.
    form = EnquiryForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not ratelimit.hit(
            "enquiry-form", ratelimit.client_address(request), settings.ENQUIRY_FORM_RATE
        ):
            # Nothing is saved, but the group keeps what they wrote, to send later.
            context = {"message": request.POST.get("message", "")[: validation.MESSAGE_MAX_LENGTH]}
            response = render(request, "enquiries/rate_limited.html", context, status=429)
            response["Retry-After"] = str(ratelimit.parse_rate(settings.ENQUIRY_FORM_RATE)[1])
            return _private(response)
        if form.is_valid():
            if form.is_spam():
                # Look like success to the bot, store nothing.
                return redirect("enquiries:submitted")
            submitted = services.enquiry_submit(data=form.to_input(), channel=Channel.WEB)
            request.session[CONFIRMATION_SESSION_KEY] = {
                "reference": submitted.enquiry.reference,
                "tracking_url": tracking_url(submitted.tracking_token),
                "email": submitted.enquiry.contact.email,
            }
            return redirect("enquiries:submitted")
    status = 400 if form.is_bound else 200
    return _private(render(request, "enquiries/enquire.html", {"form": form}, status=status))


@require_safe
def submitted(request: HttpRequest) -> HttpResponse:
    confirmation = request.session.get(CONFIRMATION_SESSION_KEY)
    return _private(render(request, "enquiries/submitted.html", {"confirmation": confirmation}))


@require_safe
def track(request: HttpRequest, token: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_by_token(token=token)
    if enquiry is None:
        return _private(render(request, "enquiries/link_not_valid.html", status=404))
    return _private(render(request, "enquiries/track.html", {"enquiry": enquiry}))
