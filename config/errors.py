"""The common base of the refusals our services raise, so that the API answers each the
same way everywhere (``config.api.exception_handler``) while ``config`` imports no app.

A domain error says what went wrong in the domain's words; the HTML views catch the ones
they show on a page, and every API view lets them through to the handler, which answers
``status_code`` with ``api_body()`` (and ``api_headers()``)."""

from typing import Any


class DomainError(Exception):
    """A refusal the API answers with ``status_code`` and ``api_body()``: by default a 400
    with ``{"detail": str(self)}``. Subclasses choose the status and the body's shape."""

    status_code: int = 400

    def api_body(self) -> Any:
        return {"detail": str(self)}

    def api_headers(self) -> dict[str, str]:
        return {}
