"""Response helpers shared by every app: how a page that holds personal data is served."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

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
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, private"
        return response
