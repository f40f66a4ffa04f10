"""The REST API's project-wide wiring: pagination and the one exception handler.

Every endpoint answers errors as JSON, including the errors Django raises while reading a
request (which would otherwise become its HTML 400 page). API views call services and let
their refusals through: this handler is the one place they become responses."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from django.views.defaults import page_not_found
from psycopg.errors import NumericValueOutOfRange
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.fields import get_error_detail
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from config.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from rest_framework.views import AsView, GenericView


class AuthenticatedRequest(Request):
    """For type checking only: the request an endpoint whose permissions require a signed-in
    user (``IsAuthenticated``, ``IsDeskStaff``) receives. DRF never makes one."""

    if TYPE_CHECKING:

        @property
        def user(self) -> "User": ...

        @user.setter
        def user(self, value: "User | AnonymousUser") -> None: ...


class DeskPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


_REQUEST_ERRORS = {
    RequestDataTooBig: (status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "The request body is too large."),
    TooManyFieldsSent: (status.HTTP_400_BAD_REQUEST, "The request has too many fields."),
    TooManyFilesSent: (status.HTTP_400_BAD_REQUEST, "The request has too many files."),
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error as JSON, one way:

    * a ``DomainError`` (a service's refusal: a stale edit, an enquiry someone else holds,
      a transition the workflow forbids...) answers its own ``status_code``, body and
      headers;
    * Django's ``ValidationError`` is a 400 with the messages by field, as DRF's
      serializers report theirs (``get_error_detail``); one raised without fields is a
      list of messages (a service that means a field names it);
    * Django's ``PermissionDenied`` is a 403 and ``Http404`` a 404, their message as
      ``detail`` (DRF's own mapping, below), as are DRF's ``APIException``s;
    * the errors Django raises while reading a request, as ``_REQUEST_ERRORS`` says.
    * a number too large for the database (an id of 30 digits: Python's ``OverflowError``
      on SQLite, ``NumericValueOutOfRange`` on PostgreSQL) is a 400, not a 500; each
      field should bound its own numbers, and this is the net under those that do not.

    Anything else is not ours to answer: ``None``, so DRF re-raises it (a 500, logged).
    """
    for kind, (code, detail) in _REQUEST_ERRORS.items():
        if isinstance(exc, kind):
            return Response({"detail": detail}, status=code)
    if isinstance(exc, OverflowError) or (
        isinstance(exc, DataError) and isinstance(exc.__cause__, NumericValueOutOfRange)
    ):
        set_rollback()
        return Response(
            {"detail": "A number in the request is too large."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(exc.api_body(), status=exc.status_code, headers=exc.api_headers())
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(get_error_detail(exc))
    return drf_exception_handler(exc, context)


class MethodDispatch:
    """One URL, two audiences, each with a view of fixed policies: each HTTP method goes to
    the view named for it, any other method to ``default`` (which answers 405 under its own
    rules). Views are named by dotted path, like ``include()``, and imported on first use,
    so the root URLconf imports no app. ``split_dispatched_endpoints`` shows each view's
    operations in the OpenAPI schema."""

    csrf_exempt = True  # each view applies its own authentication (and so its CSRF rule)

    def __init__(self, default: str, **by_method: str) -> None:
        self._paths = {"default": default, **{m.upper(): p for m, p in by_method.items()}}
        self._views: dict[str, AsView[GenericView]] = {}

    def view(self, method: str) -> "AsView[GenericView]":
        key = method if method in self._paths else "default"
        if key not in self._views:
            self._views[key] = import_string(self._paths[key]).as_view()
        return self._views[key]

    @property
    def cls(self) -> type:  # what drf-spectacular's endpoint enumerator looks for
        return self.view("default").cls

    @property
    def initkwargs(self) -> dict:
        return {}

    def views(self) -> "list[AsView[GenericView]]":
        return [self.view(key) for key in self._paths]

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = self.view(request.method or "GET")(request, *args, **kwargs)
        if response.has_header("Allow"):  # a view's 405 or OPTIONS names only its own methods
            allowed = {m.strip() for m in response["Allow"].split(",")}
            allowed |= {m for view in self.views() for m in view.cls().allowed_methods}
            response["Allow"] = ", ".join(sorted(allowed))
        return response


def split_dispatched_endpoints(endpoints: list[tuple]) -> list[tuple]:
    """drf-spectacular preprocessing hook: a ``MethodDispatch`` URL becomes one endpoint per
    operation of each of its views, so the schema documents each audience's rules."""
    out, done = [], set()
    for path, path_regex, method, callback in endpoints:
        if not isinstance(callback, MethodDispatch):
            out.append((path, path_regex, method, callback))
            continue
        if id(callback) in done:
            continue
        done.add(id(callback))
        for view in callback.views():
            for allowed in view.cls().allowed_methods:
                if allowed not in ("OPTIONS", "HEAD"):
                    out.append((path, path_regex, allowed, view))
    return out


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler404``: an address under /api/ that no endpoint matches (a letter where a
    number goes) gets JSON like every other API error; any other page, Django's own."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
