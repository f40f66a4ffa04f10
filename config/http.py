"""Response helpers shared by every app: how a page that holds personal data is served."""

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


def private[R: HttpResponseBase](response: R) -> R:
    """A group's own page (tracking, confirmation): not stored, not indexed, and its address
    (which holds the tracking token) never sent on as a referrer."""
    no_store(response)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
