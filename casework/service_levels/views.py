"""The managers' service-level page: each target with a form to change it, a form to add a
topic's target, and a button to remove one. Advisers get a 403. Each view parses, calls
one service, and responds: the page again with a 400 and the errors, or a redirect."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from casework.desk.views import apply, manager_required
from casework.service_levels import services
from casework.service_levels.forms import AddTargetForm, TargetForm
from config.http import AuthenticatedHttpRequest, no_store
from knowledgebase import selectors as kb_selectors
from knowledgebase.models import ServiceLevelTarget


def _page(
    request: HttpRequest,
    *,
    status: int = 200,
    add_form: AddTargetForm | None = None,
    bound: TargetForm | None = None,
    bound_pk: int | None = None,
) -> HttpResponse:
    targets = list(kb_selectors.service_level_list())
    rows = [
        (
            target,
            bound
            if target.pk == bound_pk
            else TargetForm(
                prefix=f"target-{target.pk}",
                initial={
                    "first_response_days": target.first_response_days,
                    "resolution_days": target.resolution_days,
                },
            ),
        )
        for target in targets
    ]
    add_form = add_form or AddTargetForm(
        prefix="add", topics=kb_selectors.topics_without_service_level()
    )
    errors = add_form if add_form.errors else bound
    context = {"rows": rows, "add_form": add_form, "error_form": errors}
    return no_store(render(request, "casework/service_levels.html", context, status=status))


@require_http_methods(["GET", "HEAD", "POST"])
@manager_required
def service_levels(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET: the targets. POST: add a topic's target."""
    if request.method != "POST":
        return _page(request)
    form = AddTargetForm(
        request.POST, prefix="add", topics=kb_selectors.topics_without_service_level()
    )
    done = apply(
        form,
        lambda data: services.service_level_add(actor=request.user, **data),
    )
    if not done:
        return _page(request, status=400, add_form=form)
    messages.success(request, f"Service level added for {form.cleaned_data['topic'].name}.")
    return redirect("casework:service_levels")


def _target(pk: int) -> ServiceLevelTarget:
    target = kb_selectors.service_level_list().filter(pk=pk).first()
    if target is None:
        raise Http404("No such service level")
    return target


@require_POST
@manager_required
def service_level_change(request: AuthenticatedHttpRequest, target_id: int) -> HttpResponse:
    target = _target(target_id)
    form = TargetForm(request.POST, prefix=f"target-{target.pk}")
    done = apply(
        form,
        lambda data: services.service_level_change(target=target, actor=request.user, **data),
    )
    if not done:
        return _page(request, status=400, bound=form, bound_pk=target.pk)
    messages.success(request, f"Service level for {_name(target)} changed.")
    return redirect("casework:service_levels")


@require_POST
@manager_required
def service_level_remove(request: AuthenticatedHttpRequest, target_id: int) -> HttpResponse:
    target = _target(target_id)
    try:
        services.service_level_remove(target=target, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _page(request, status=400)
    messages.success(
        request, f"Service level for {_name(target)} removed: it follows the next one up."
    )
    return redirect("casework:service_levels")


def _name(target: ServiceLevelTarget) -> str:
    return target.topic.name if target.topic else "the default"
