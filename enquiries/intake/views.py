"""Public pages: the enquiry form and its confirmation (the portal: ``enquiries.portal.views``)."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from config.http import no_store
from enquiries import ratelimit
from enquiries.intake import fragments, services
from enquiries.intake.forms import EnquiryForm
from enquiries.models import Channel, Enquiry
from enquiries.notifications import tracking_url
from enquiries.retention import selectors as retention_selectors
from knowledgebase.guidance import selectors as guidance_selectors
from knowledgebase.guidance import services as guidance_services
from knowledgebase.models import DeflectionDay

# The shipped article that is the privacy notice (knowledgebase/data/articles/18-...).
PRIVACY_ARTICLE = "how-this-desk-handles-your-data"

CONFIRMATION_SESSION_KEY = "enquiry_confirmation"
# The suggestion step's buttons: "this answered my question", "I still want to ask".
GUIDANCE_STEP, ANSWERED, ASK = "guidance_step", "answered", "ask"


def _rate_limited(request: HttpRequest, rate: str) -> HttpResponse:
    # Nothing is saved, but the group keeps what they wrote, to send later.
    context = {"message": request.POST.get("message", "")[: Enquiry.MESSAGE_MAX_LENGTH]}
    response = render(request, "enquiries/rate_limited.html", context, status=429)
    response["Retry-After"] = str(ratelimit.parse_rate(rate)[1])
    return no_store(response)


@require_http_methods(["GET", "POST"])
def enquire(request: HttpRequest) -> HttpResponse:
    # Bound on every POST, even an empty one: that is a form with errors, not a blank form.
    form = EnquiryForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not ratelimit.hit(
        "enquiry-form", ratelimit.client_address(request), settings.ENQUIRY_FORM_RATE
    ):
        return _rate_limited(request, settings.ENQUIRY_FORM_RATE)
    if request.method == "POST" and form.is_valid():
        step = request.POST.get(GUIDANCE_STEP, "")
        topic = form.cleaned_data["topic"]
        if step == ANSWERED:
            # The group found its answer: nothing is sent, and nothing they typed is lost.
            guidance_services.deflection_record(topic=topic, outcome=DeflectionDay.Outcome.ANSWERED)
            return _guidance_page(request, form, "enquiries/answered.html", [])
        if not step and settings.ENQUIRY_FORM_SUGGESTIONS and not form.is_spam():
            text = f"{form.cleaned_data['subject']} {form.cleaned_data['message']}"
            found = guidance_selectors.article_suggestions(
                user=AnonymousUser(), topic=topic, text=text, limit=3
            )
            if found:
                return _guidance_page(request, form, "enquiries/suggestions.html", found)
        if step == ASK:
            guidance_services.deflection_record(topic=topic, outcome=DeflectionDay.Outcome.ASKED)
        return _submit(request, form)
    if form.is_bound:
        return no_store(render(request, "enquiries/enquire.html", {"form": form}, status=400))
    context = {"form": form, "fields_html": fragments.blank_form_fields(form, request)}
    return no_store(render(request, "enquiries/enquire.html", context))


def _guidance_page(
    request: HttpRequest, form: EnquiryForm, template: str, found: list
) -> HttpResponse:
    """A step between the form and its sending: what they typed rides along in hidden
    fields, so either button keeps it."""
    context = {"form": form, "suggestions": found, "step_field": GUIDANCE_STEP}
    return no_store(render(request, template, context))


def _submit(request: HttpRequest, form: EnquiryForm) -> HttpResponse:
    if form.is_spam():
        # Look like success to the bot, store nothing.
        return redirect("enquiries:submitted")
    # Many connections aimed at one mailbox (acknowledgements as spam) are limited too.
    if not ratelimit.enquiry_address_hit(form.cleaned_data["email"])[0]:
        return _rate_limited(request, settings.ENQUIRY_FORM_ADDRESS_RATE)
    submitted = services.enquiry_submit(data=form.to_input(), channel=Channel.WEB)
    request.session[CONFIRMATION_SESSION_KEY] = {
        "reference": submitted.enquiry.reference,
        "tracking_url": tracking_url(submitted.tracking_token),
        "email": submitted.enquiry.contact.email,
    }
    return redirect("enquiries:submitted")


@require_safe
def submitted(request: HttpRequest) -> HttpResponse:
    confirmation = request.session.get(CONFIRMATION_SESSION_KEY)
    return no_store(render(request, "enquiries/submitted.html", {"confirmation": confirmation}))


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice the form links to: the knowledge base's article on how the desk
    handles data, when it is published, under the retention period in force; plain text
    otherwise."""
    article = next(iter(guidance_selectors.articles_by_slug([PRIVACY_ARTICLE])), None)
    return render(
        request,
        "enquiries/privacy.html",
        {
            "retention_years": retention_selectors.policy_years(),
            "service_name": settings.SERVICE_NAME,
            "article": article,
        },
    )
