"""A member of staff's API tokens: make one (its key shown once), see when each was last
used, revoke. Managers also see and revoke everyone's tokens in force."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from casework.desk.views import form_errors_from, staff_required
from casework.tokens import selectors, services
from casework.tokens.forms import ApiTokenForm
from config.http import AuthenticatedHttpRequest, no_store


def _page(
    request: HttpRequest,
    *,
    form: ApiTokenForm | None = None,
    new_key: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = {
        "form": form or ApiTokenForm(),
        "new_key": new_key,
        "now": timezone.now(),
        "tokens": list(selectors.own_tokens(user=user)),  # type: ignore[arg-type]
        "others": selectors.others_tokens(user=user),  # type: ignore[arg-type]
    }
    # The new key is on this page once: never cached, never stored.
    return no_store(render(request, "casework/api_tokens.html", context, status=status))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        made = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
    except ValidationError as error:
        form_errors_from(form, error)
        return _page(request, form=form, status=400)
    return _page(request, new_key=made.key)


@require_POST
@staff_required
def api_token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = selectors.token_get(user=request.user, token_id=token_id)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token \u201c{token.name}\u201d revoked: it no longer works.")
    return redirect("casework:api_tokens")
