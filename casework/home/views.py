"""Where staff land after signing in: managers on their home screen, advisers on the
queue."""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_safe

from casework import policies
from casework.desk.views import page, staff_required
from casework.home import selectors
from config.http import AuthenticatedHttpRequest


@require_safe
@staff_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policies.is_manager(request.user):
        return redirect("casework:queue")
    weeks = selectors.weeks()
    context = {
        "figures": selectors.figures(user=request.user),
        "oldest": selectors.oldest_waiting(user=request.user),
        "weeks": weeks,
        "busiest": max([1, *(max(w.received, w.closed) for w in weeks)]),
        "now": timezone.now(),
    }
    return page(request, "casework/home.html", context)
