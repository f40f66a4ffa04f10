"""Sign out everywhere: a staff member ends all their sessions at once."""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from casework.desk.views import staff_required
from casework.sessions import services
from config.http import AuthenticatedHttpRequest


@require_POST
@staff_required
def sign_out_everywhere(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.sign_out_everywhere(user=request.user)
    logout(request)
    messages.info(
        request,
        f"You are signed out everywhere ({count} session{'s' if count != 1 else ''} ended).",
    )
    return redirect("login")
