"""The managers' webhook pages: register an endpoint (its secret shown once), see each
endpoint's deliveries, pause it, send a delivery again."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.desk.views import apply, manager_required, page
from casework.models import WebhookDelivery, WebhookEndpoint
from casework.webhooks import selectors, services
from casework.webhooks.forms import EndpointForm
from config.http import AuthenticatedHttpRequest


@require_http_methods(["GET", "HEAD", "POST"])
@manager_required
def webhooks(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    made: list[WebhookEndpoint] = []
    if request.method == "POST" and apply(
        form,
        lambda data: made.append(
            services.endpoint_create(
                url=data["url"],
                events=data["events"],
                description=data["description"],
                actor=request.user,
            )
        ),
    ):
        form = EndpointForm()
    context = {
        "form": form,
        "endpoints": list(selectors.endpoints()),
        "new": made[0] if made else None,  # its secret, shown this once
    }
    return page(request, "casework/webhooks/index.html", context, 400 if form.errors else 200)


@require_safe
@manager_required
def endpoint(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    found = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    context = {"endpoint": found, "deliveries": selectors.recent_deliveries(found)}
    return page(request, "casework/webhooks/endpoint.html", context)


@require_POST
@manager_required
def endpoint_active(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    found = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    services.endpoint_set_active(endpoint=found, active=not found.active, actor=request.user)
    messages.success(request, f"{found.url} is {'paused' if found.active else 'sending again'}.")
    return redirect("casework:webhook", endpoint_id=found.pk)


@require_POST
@manager_required
def redeliver(request: AuthenticatedHttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id)
    services.delivery_redeliver(delivery=delivery, actor=request.user)
    messages.success(request, f"Delivery {delivery.pk} queued to be sent again.")
    return redirect("casework:webhook", endpoint_id=delivery.endpoint_id)
