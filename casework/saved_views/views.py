"""Saving the queue's filters as a named view, and removing one. Both answer with the
queue again: the view applied, or the reason it was not saved (nothing is lost: the
filters stay in the address)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from casework.desk.views import staff_required
from casework.saved_views import selectors, services
from casework.saved_views.forms import SaveViewForm
from config.http import AuthenticatedHttpRequest


def _queue(query: str) -> HttpResponse:
    return redirect(reverse("casework:queue") + (f"?{query}" if query else ""))


@require_POST
@staff_required
def saved_view_save(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SaveViewForm(request.POST, prefix="view")
    query = request.POST.get("view-query", "")[:2000]
    if not form.is_valid():
        messages.error(
            request,
            "The view was not saved: "
            + " ".join(str(error) for errors in form.errors.values() for error in errors),
        )
        return _queue(query)
    try:
        view = services.saved_view_save(
            owner=request.user,
            name=form.cleaned_data["name"],
            query=form.cleaned_data["query"],
            team=form.cleaned_data["team"],
        )
    except ValidationError as error:
        messages.error(request, "The view was not saved: " + " ".join(error.messages))
        return _queue(query)
    messages.success(request, f"Saved the view “{view.name}”.")
    return _queue(view.query)


@require_POST
@staff_required
def saved_view_delete(request: AuthenticatedHttpRequest, view_id: int) -> HttpResponse:
    view = selectors.saved_view_get_own(user=request.user, view_id=view_id)
    services.saved_view_delete(view=view, actor=request.user)
    messages.success(request, f"Removed the view “{view.name}”.")
    return _queue("")
