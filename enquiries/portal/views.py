"""The group portal: follow an enquiry from a private link, reply, download documents,
ask for a new link. Each view parses, calls one selector or service, and responds.

The link's token is exchanged for a cookie at the first request (``with_scope``), so the
pages themselves have no token in their address. Every response here is
``Cache-Control: no-store`` and never tells another site its address:
``Referrer-Policy: no-referrer``, or ``same-origin``
on the pages with a form that posts back (the tracking page, the new-link form), so
that the browser sends our real ``Origin`` with those posts and Django's own CSRF
check (origin and token) applies unchanged (see ``config.http.private``). A wrong,
expired or revoked token, and an enquiry or document outside the link's scope, all get
the same plain "link not valid" page with a 404, never a hint that a reference exists.
"""

import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.http import private
from enquiries import ratelimit
from enquiries.conversation.services import attachment_response
from enquiries.feedback import selectors as feedback_selectors
from enquiries.feedback import services as feedback_services
from enquiries.models import Enquiry, Message
from enquiries.portal import selectors as portal
from enquiries.portal import services
from enquiries.portal.forms import FeedbackForm, NewLinkForm, ReplyForm
from enquiries.portal.selectors import PortalScope
from enquiries.uploads import UploadRefused


def link_not_valid(request: HttpRequest, *, needs_link: bool = False) -> HttpResponse:
    """``needs_link``: a portal page opened without a current link (never opened here, or
    the visit timed out): the link from the email opens it again."""
    return private(
        render(
            request,
            "enquiries/link_not_valid.html",
            {"needs_link": needs_link, "minutes": settings.PORTAL_COOKIE_MINUTES},
            status=404,
        )
    )


PORTAL_COOKIE = "crd_portal"
_COOKIE_SALT = "enquiries.portal.link"


def _cookie_set(request: HttpRequest, response: HttpResponse, scope: PortalScope) -> HttpResponse:
    """The link's place in the browser: its id, signed, for ``PORTAL_COOKIE_MINUTES`` after
    the last page (each page renews it). HttpOnly, Secure behind TLS, only sent to the
    portal's pages; SameSite=Lax, because Strict would be dropped on the redirect that
    follows a click from a mail client."""
    response.set_signed_cookie(
        PORTAL_COOKIE,
        str(scope.link.pk),
        salt=_COOKIE_SALT,
        max_age=settings.PORTAL_COOKIE_MINUTES * 60,
        path=reverse("enquiries:portal"),
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


def _cookie_scope(request: HttpRequest) -> PortalScope | None:
    link_id = request.get_signed_cookie(
        PORTAL_COOKIE,
        default=None,
        salt=_COOKIE_SALT,
        max_age=settings.PORTAL_COOKIE_MINUTES * 60,
    )
    if not link_id or not link_id.isdigit():
        return None
    return portal.portal_scope_of_link(link_id=int(link_id))


def with_scope(view):
    """Resolve the link to a scope, or answer "link not valid"; refresh the link on use.

    A link's token in the address (``/track/<token>/...``) is exchanged: its GET sets the
    portal cookie and answers 303 with the same page without the token, so the token does
    not stay in the address bar, the history or a shared screen. Pages without a token
    (``/track/...``) take the scope from the cookie. A post to a token address (a page
    opened before this change) still works, and sets the cookie too."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, token: str | None = None, **kwargs) -> HttpResponse:
        scope = portal.portal_scope_get(token=token) if token else _cookie_scope(request)
        if scope is None:
            return link_not_valid(request, needs_link=token is None)
        services.tracking_link_touch(link=scope.link)
        if token and request.method in ("GET", "HEAD"):
            untokened = request.path.replace(f"/{token}/", "/", 1)
            response: HttpResponse = HttpResponseRedirect(untokened, status=303)
        else:
            response = view(request, scope, *args, **kwargs)
        return _cookie_set(request, private(response), scope)

    return wrapped


def _enquiry_page(
    request: HttpRequest,
    scope: PortalScope,
    enquiry: Enquiry,
    *,
    form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    conversation = portal.portal_conversation(enquiry=enquiry)
    status_label, status_help = portal.plain_status(enquiry)
    others = [
        (other, portal.plain_status(other)[0])
        for other in portal.portal_enquiry_list(scope=scope)
        if other.pk != enquiry.pk
    ]
    context = {
        "enquiry": enquiry,
        "status_label": status_label,
        "status_help": status_help,
        "adviser_name": portal.adviser_first_name(enquiry),
        "dates": portal.portal_dates(enquiry=enquiry),
        "conversation": conversation,
        "letters": [
            document
            for message in conversation
            if message.sender == Message.Sender.DESK
            for document in message.attachments.all()
        ],
        "others": others,
        "guidance": portal.portal_guidance(enquiry=enquiry, conversation=conversation),
        "form": form or ReplyForm(),
        "survey": feedback_selectors.feedback_for(enquiry=enquiry),
    }
    return private(render(request, "enquiries/track.html", context, status=status), posts_back=True)


@require_safe
@with_scope
def track(request: HttpRequest, scope: PortalScope) -> HttpResponse:
    return _enquiry_page(request, scope, scope.enquiry)


@require_safe
@with_scope
def track_enquiry(request: HttpRequest, scope: PortalScope, reference: str) -> HttpResponse:
    enquiry = portal.portal_enquiry_get(scope=scope, reference=reference)
    if enquiry is None:
        return link_not_valid(request)
    if enquiry.merged_into_id:  # the desk joined it to another enquiry about the matter
        survivor = Enquiry.objects.only("reference").get(pk=enquiry.merged_into_id)
        return redirect(_enquiry_url(scope, survivor), permanent=True)
    return _enquiry_page(request, scope, enquiry)


def _enquiry_url(scope: PortalScope, enquiry: Enquiry) -> str:
    if enquiry.pk == scope.enquiry.pk:
        return reverse("enquiries:portal")
    return reverse("enquiries:portal_enquiry", args=[enquiry.reference])


@require_POST
@with_scope
def reply(request: HttpRequest, scope: PortalScope, reference: str) -> HttpResponse:
    enquiry = portal.portal_enquiry_get(scope=scope, reference=reference)
    if enquiry is None:
        return link_not_valid(request)
    form = ReplyForm(request.POST, request.FILES)
    valid = form.is_valid()  # shape only; cleaned_data keeps the fields that passed
    try:
        posted = services.reply_post(
            enquiry=enquiry,
            scope=scope,
            client=ratelimit.client_address(request),
            submission_key=form.cleaned_data.get("submission_key") or "",
            body=form.cleaned_data["body"] if valid else None,
            files=form.cleaned_data["files"] if valid else (),
        )
    except UploadRefused as refused:
        form.add_error("files", f"{refused} Nothing was sent: please choose the files again.")
        return _enquiry_page(request, scope, enquiry, form=form, status=400)
    if posted.wait:
        # Nothing is saved, but the reply stays in the form, to send later.
        form.add_error(
            None,
            "You have sent a lot of replies recently, so this one has not been sent. "
            "Please try again later; your text is still below.",
        )
        response = _enquiry_page(request, scope, enquiry, form=form, status=429)
        response["Retry-After"] = str(posted.wait)
        return response
    if not posted.kept:
        return _enquiry_page(request, scope, enquiry, form=form, status=400)
    if posted.created:
        messages.success(request, "Your reply has been sent to your adviser.")
    return redirect(_enquiry_url(scope, enquiry) + "#conversation")


@require_http_methods(["GET", "HEAD", "POST"])
@with_scope
def feedback(request: HttpRequest, scope: PortalScope, reference: str) -> HttpResponse:
    """The one-page survey the group is emailed once its enquiry has closed."""
    enquiry = portal.portal_enquiry_get(scope=scope, reference=reference)
    if enquiry is None:
        return link_not_valid(request)
    survey = feedback_selectors.feedback_for(enquiry=enquiry)
    if survey is None:
        raise Http404("No survey for this enquiry.")
    form = FeedbackForm(request.POST or None)
    status = 200
    if request.method == "POST" and survey.answered_at is None:
        if form.is_valid():
            try:
                feedback_services.feedback_answer(
                    request=survey,
                    score=form.cleaned_data["score"],
                    next_step=form.cleaned_data["next_step"],
                    comment=form.cleaned_data["comment"],
                    opt_out=form.cleaned_data["opt_out"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field, errors)
            else:
                messages.success(request, "Thank you: your feedback has been sent.")
                return redirect(_enquiry_url(scope, enquiry))
            survey.refresh_from_db()
        status = 400 if form.errors else 200
    context = {
        "enquiry": enquiry,
        "survey": survey,
        "form": form,
        "back": _enquiry_url(scope, enquiry),
    }
    return private(
        render(request, "enquiries/feedback.html", context, status=status), posts_back=True
    )


@require_safe
@with_scope
def document(
    request: HttpRequest, scope: PortalScope, reference: str, attachment_id: int
) -> HttpResponseBase:
    enquiry = portal.portal_enquiry_get(scope=scope, reference=reference)
    attachment = (
        portal.portal_attachment_get(enquiry=enquiry, attachment_id=attachment_id)
        if enquiry is not None
        else None
    )
    if attachment is None:
        return link_not_valid(request)
    try:
        return attachment_response(attachment)
    except Http404:  # the record outlived its file (a restore): say so, no 500
        return link_not_valid(request)


@require_POST
@with_scope
def rotate(request: HttpRequest, scope: PortalScope) -> HttpResponse:
    """ "Send me a new link": this link stops now; the new one goes to the address only."""
    services.tracking_link_rotate(scope=scope, key=uuid.uuid4().hex)
    return render(request, "enquiries/new_link_sent.html", {"rotated": True})


@require_http_methods(["GET", "POST"])
def new_link(request: HttpRequest) -> HttpResponse:
    """Ask for a fresh link by email address. The answer is the same page, at the same
    speed, whether or not the address is known: the look-up and the email happen in a task.
    """
    from enquiries.tasks import send_new_link  # tasks import the services

    form = NewLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        allowed, wait = ratelimit.portal_hits(
            ratelimit.client_address(request), action="new-link", address=email
        )
        if not allowed:
            form.add_error(
                None,
                "We have had a lot of requests for new links recently. Please try again later.",
            )
            response = render(request, "enquiries/new_link.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return private(response, posts_back=True)
        send_new_link.enqueue(email=email, key=uuid.uuid4().hex)
        return private(render(request, "enquiries/new_link_sent.html", {"rotated": False}))
    status = 400 if form.is_bound else 200
    page = render(request, "enquiries/new_link.html", {"form": form}, status=status)
    return private(page, posts_back=True)
