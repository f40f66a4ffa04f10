"""Response helpers shared by every app (how a page that holds personal data is served), and
the middleware that keeps API responses out of caches, ends idle or old staff sessions, and
sends a page updated in place elsewhere when an action leads to another page."""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    set_response_etag,
)
from django_htmx.http import HttpResponseClientRedirect

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """For type checking only: the request a view behind ``login_required`` (or a decorator
    built on it) receives, whose ``user`` is signed in. Django never makes one."""

    user: "User"


def no_store[R: HttpResponseBase](response: R) -> R:
    """Never kept by a browser or a proxy: staff pages and anything with personal data."""
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store"
    return response


def private[R: HttpResponseBase](response: R, *, posts_back: bool = False) -> R:
    """A group's own page (tracking, confirmation): not stored, not indexed, and its address
    (which holds the tracking token) never sent to another site as a referrer.

    ``Referrer-Policy: no-referrer`` (no page is told the address, not even ours), except
    on a page with a form that posts back to us (``posts_back``): under ``no-referrer`` a
    browser sends ``Origin: null`` with the form, which Django's CSRF check rightly
    refuses as a foreign origin. ``same-origin`` there lets our own posts carry our
    origin while other sites still get no referrer at all; the only one told the address
    is this site, whose logs redact tokens (``enquiries.log_filters``). A policy a page
    chose already is kept when its response is made private again.
    """
    no_store(response)
    if posts_back:
        response["Referrer-Policy"] = "same-origin"
    else:
        response.headers.setdefault("Referrer-Policy", "no-referrer")
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


class ApiResponsesNotStored:
    """Middleware: every response under ``/api/`` (records with personal data, errors, the
    intake's reference and tracking link) is ``Cache-Control: no-store, private``; only the
    schema and its docs, which hold none, keep their own caching."""

    PREFIX = "/api/"
    PUBLIC = ("/api/v1/schema", "/api/v1/docs")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path.startswith(self.PREFIX) and not request.path.startswith(self.PUBLIC):
            no_store(response)["Cache-Control"] += ", private"
        return response


class StaffSessionTimeouts:
    """Middleware (after authentication): a signed-in session ends after
    ``SESSION_IDLE_MINUTES`` without a request, and ``SESSION_MAX_HOURS`` after sign-in
    however busy it is. Django's own expiry moves on with every save, so both are kept
    here as times in the session. The next page then asks the person to sign in again."""

    STARTED = "desk_session_started"
    LAST_SEEN = "desk_session_last_seen"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    @classmethod
    def session_started(cls, sender: object, request: HttpRequest, **kwargs: object) -> None:
        """``user_logged_in`` receiver (connected by casework): both clocks start now."""
        if request is not None and hasattr(request, "session"):
            request.session[cls.STARTED] = request.session[cls.LAST_SEEN] = int(time.time())

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session, now = request.session, int(time.time())
        started = session.setdefault(self.STARTED, now)
        last_seen = session.get(self.LAST_SEEN, now)
        idle = now - last_seen > settings.SESSION_IDLE_MINUTES * 60
        if idle or now - started > settings.SESSION_MAX_HOURS * 3600:
            logout(request)
            messages.info(
                request,
                "You were signed out after "
                + (
                    f"{settings.SESSION_IDLE_MINUTES} minutes without activity."
                    if idle
                    else f"{settings.SESSION_MAX_HOURS} hours. Sign in again to carry on."
                ),
            )
            return
        if now - last_seen >= 60 or self.LAST_SEEN not in session:  # a write a minute at most
            session[self.LAST_SEEN] = now


def public_cacheable(
    request: HttpRequest, response: HttpResponse, *, max_age: int = 300
) -> HttpResponse:
    """A page with nothing personal on it (guidance): an ETag from its content, so a
    browser or proxy that has it gets a 304, and ``Cache-Control: public`` for people
    who are not signed in. A signed-in page shows who is signed in: ``private``."""
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=max_age)
    set_response_etag(response)
    conditional = get_conditional_response(request, etag=response["ETag"], response=response)
    return conditional if isinstance(conditional, HttpResponse) else response


class HtmxLeavesThePage:
    """An action posted from a page updated in place (htmx) that answers with a redirect to
    another page (a new case, the sign-in page) sends the whole browser there: following
    the redirect inside the request would put another page inside this one. A redirect
    back to the same page is followed, and its part of the page swapped in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if not htmx or response.status_code not in (301, 302, 303, 307, 308):
            return response
        target = response["Location"]
        if urlsplit(target).path == urlsplit(htmx.current_url or "").path:
            return response
        return HttpResponseClientRedirect(target)
