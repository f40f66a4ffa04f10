"""Reads for the managers' webhook pages."""

from django.db.models import Count, Q, QuerySet

from casework.models import WebhookDelivery, WebhookEndpoint


def endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.annotate(
        delivered=Count("deliveries", filter=Q(deliveries__state=WebhookDelivery.State.DELIVERED)),
        failed=Count("deliveries", filter=Q(deliveries__state=WebhookDelivery.State.FAILED)),
    ).select_related("created_by")


def recent_deliveries(endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(endpoint=endpoint)[:limit])
