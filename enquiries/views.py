"""Public pages: the enquiry form, its confirmation, and the tracking page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from enquiries import ratelimit, selectors, services
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
    form = EnquiryForm(request.POST or None)
    if request.method == "POST":
        if not ratelimit.hit(
            "enquiry-form", ratelimit.client_address(request), settings.ENQUIRY_FORM_RATE
        ):
            response = render(request, "enquiries/rate_limited.html", status=429)
            response["Retry-After"] = "3600"
            return response
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
    status = 400 if form.is_bound and form.errors else 200
    return _private(render(request, "enquiries/enquire.html", {"form": form}, status=status))


def submitted(request: HttpRequest) -> HttpResponse:
    confirmation = request.session.get(CONFIRMATION_SESSION_KEY)
    return _private(render(request, "enquiries/submitted.html", {"confirmation": confirmation}))


def track(request: HttpRequest, token: str) -> HttpResponse:
    enquiry = selectors.enquiry_get_by_token(token=token)
    if enquiry is None:
        return _private(render(request, "enquiries/link_not_valid.html", status=404))
    return _private(render(request, "enquiries/track.html", {"enquiry": enquiry}))
