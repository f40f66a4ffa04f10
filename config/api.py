"""The REST API's project-wide wiring: pagination and the one exception handler.

Every endpoint answers errors as JSON, including the errors Django raises while reading a
request (which would otherwise become its HTML 400 page)."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DeskPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


_REQUEST_ERRORS = {
    RequestDataTooBig: (status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "The request body is too large."),
    TooManyFieldsSent: (status.HTTP_400_BAD_REQUEST, "The request has too many fields."),
    TooManyFilesSent: (status.HTTP_400_BAD_REQUEST, "The request has too many files."),
}


def exception_handler(exc, context):
    for kind, (code, detail) in _REQUEST_ERRORS.items():
        if isinstance(exc, kind):
            return Response({"detail": detail}, status=code)
    return drf_exception_handler(exc, context)
