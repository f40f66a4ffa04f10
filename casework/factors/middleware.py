"""Until a sign-in's second step is done, the only pages open to it are that step's own
and signing out: the desk, the admin and session-authenticated API calls all wait.
Token-authenticated API calls carry no session and are not affected."""

from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from casework.factors.services import ENROL, PENDING_SESSION_KEY, VERIFY


class SecondFactorRequired:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def _open_paths(self) -> dict[str, frozenset[str]]:
        """What each kind of unfinished sign-in may open. Setting up a new authenticator
        is not open to one that owes a code: a password alone must not replace a factor."""
        return {
            VERIFY: frozenset({reverse("casework:factor_verify"), reverse("logout")}),
            ENROL: frozenset(
                {
                    reverse("casework:factor_security"),
                    reverse("casework:factor_authenticator"),
                    reverse("logout"),
                }
            ),
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Reading the session costs nothing for a request without a session cookie.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        owed = request.session.get(PENDING_SESSION_KEY)
        if (
            not owed
            or request.path in self._open_paths.get(owed, frozenset())
            or request.path.startswith(settings.STATIC_URL)
        ):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Finish signing in: your second factor is needed first."},
                status=403,
            )
        target = "casework:factor_security" if owed == ENROL else "casework:factor_verify"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
