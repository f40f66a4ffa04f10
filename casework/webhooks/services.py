"""Webhooks (docs/webhooks.md): managers register endpoints; each event on the desk they
chose becomes a delivery, sent by a worker after the commit, signed with the endpoint's
secret (HMAC-SHA256 over the timestamp and the body, as Stripe and GitHub do), retried
with back-off while the failure may pass, and logged."""

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casework import policies
from casework.models import WebhookDelivery, WebhookEndpoint
from config.tasks import enqueue_on_commit
from enquiries.models import Enquiry

logger = logging.getLogger(__name__)

MANAGERS_ONLY = "Only managers manage webhooks."
SIGNATURE_HEADER = "Desk-Signature"
EVENTS = WebhookEndpoint.Event


class DeliveryFailed(Exception):
    """A delivery the receiver or the network refused; ``transient``: worth trying again."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.transient = transient


def address_refusal(url: str) -> str:
    """Why the desk will not send to ``url`` ("" when it will): only http(s), and only to
    public addresses unless ``WEBHOOKS_ALLOW_PRIVATE`` (a receiver on the same network),
    so that a webhook cannot be aimed at the desk's own database or cloud metadata."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "Use an http or https address."
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        return ""
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return "That host name does not resolve."
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return "That address is on a private or local network, which webhooks may not reach."
    return ""


def _check(url: str, events: list[str]) -> None:
    errors = {}
    if reason := address_refusal(url):
        errors["url"] = reason
    if not events or not set(events) <= set(EVENTS.values):
        errors["events"] = "Choose at least one event from the list."
    if errors:
        raise ValidationError(errors)


def endpoint_create(
    *, url: str, events: list[str], description: str, actor: User
) -> WebhookEndpoint:
    policies.require_manager(actor, MANAGERS_ONLY)
    _check(url, events)
    return WebhookEndpoint.objects.create(
        url=url, events=sorted(set(events)), description=description.strip(), created_by=actor
    )


def endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool, actor: User) -> None:
    policies.require_manager(actor, MANAGERS_ONLY)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=active)


def _enquiry_data(enquiry: Enquiry) -> dict[str, Any]:
    """What an integration needs to find the enquiry, and no personal data: no names,
    addresses or free text."""
    return {
        "reference": enquiry.reference,
        "status": enquiry.status,
        "channel": enquiry.channel,
        "topic": enquiry.topic.slug if enquiry.topic else None,
        "received_at": enquiry.received_at.isoformat(),
        "closed_at": enquiry.closed_at.isoformat() if enquiry.closed_at else None,
        "assigned_to": enquiry.assigned_to_id,
    }


def event_emit(*, event: str, enquiry: Enquiry, extra: dict[str, Any] | None = None) -> int:
    """A delivery to each active endpoint that chose ``event``, sent after the commit (a
    rolled-back change sends nothing). Returns how many."""
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(active=True)
        if event in endpoint.events
    ]
    if not endpoints:
        return 0
    from casework.webhooks.tasks import deliver_webhook  # tasks import this module

    payload = {
        "event": event,
        "occurred_at": timezone.now().isoformat(),
        "enquiry": _enquiry_data(enquiry),
        **(extra or {}),
    }
    with transaction.atomic():
        for endpoint in endpoints:
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint, event=event, payload=payload
            )
            enqueue_on_commit(deliver_webhook, delivery_id=delivery.pk)
    return len(endpoints)


# What the desk's own timeline calls each change, as webhook events.
_FROM_TIMELINE = {
    "received": [EVENTS.ENQUIRY_RECEIVED],
    "status_changed": [EVENTS.STATUS_CHANGED],
    "assigned": [EVENTS.ASSIGNED],
    "letter_issued": [EVENTS.LETTER_ISSUED],
    "feedback_received": [EVENTS.FEEDBACK_RECEIVED],
}


def timeline_event_recorded(*, enquiry_id: int, kind: str, data: dict[str, Any]) -> None:
    """An enquiry's timeline gained an event (``EnquiryEvent``): the webhook events it
    means are emitted once the change is committed, so a change rolled back sends nothing
    and the request that made it runs no query for webhooks."""
    events = list(_FROM_TIMELINE.get(kind, []))
    if not events:
        return
    extra = {}
    if kind == "status_changed":
        extra = {"change": {"from": data.get("from"), "to": data.get("to")}}
        if data.get("to") == "closed":
            events.append(EVENTS.CLOSED)
    if kind == "feedback_received":  # the score and what happened, never the comment
        extra = {"feedback": {"score": data.get("score"), "next_step": data.get("next_step")}}

    def emit() -> None:
        enquiry = Enquiry.objects.select_related("topic").filter(pk=enquiry_id).first()
        if enquiry is not None:
            for event in events:
                event_emit(event=event, enquiry=enquiry, extra=extra)

    # robust: a fault here is logged, never turned into an error for the committed change.
    transaction.on_commit(emit, robust=True)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect could point anywhere, past the address check


_opener = urllib.request.build_opener(_NoRedirects)


def delivery_send(*, delivery_id: int) -> WebhookDelivery:
    """One attempt. Delivered on a 2xx; ``DeliveryFailed`` otherwise, transient for a
    network fault, a timeout, 408, 429 and 5xx (the worker tries again later), final for
    any other answer (a redirect, a 4xx) and for an address no longer allowed."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.state == WebhookDelivery.State.DELIVERED:
        return delivery
    endpoint = delivery.endpoint
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts + 1)
    if reason := address_refusal(endpoint.url):
        _failed(delivery, reason, status=None)
        raise DeliveryFailed(reason, transient=False)
    body = json.dumps(
        {"id": delivery.pk, **delivery.payload}, sort_keys=True, separators=(",", ":")
    ).encode()
    # address_refusal above allowed only http and https.
    request = urllib.request.Request(  # noqa: S310
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "community-rights-desk-webhooks/1",
            "Desk-Event": delivery.event,
            "Desk-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: signature(endpoint.secret, int(time.time()), body),
        },
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        reason = f"Not reached: {getattr(error, 'reason', error)}"[:300]
        _failed(delivery, reason, status=None, final=False)
        raise DeliveryFailed(reason, transient=True) from error
    if 200 <= status < 300:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=WebhookDelivery.State.DELIVERED,
            last_status=status,
            last_error="",
            delivered_at=timezone.now(),
        )
        delivery.refresh_from_db()
        return delivery
    transient = status in (408, 429) or status >= 500
    reason = f"The receiver answered {status}."
    _failed(delivery, reason, status=status, final=not transient)
    raise DeliveryFailed(reason, transient=transient)


def _failed(
    delivery: WebhookDelivery, reason: str, *, status: int | None, final: bool = True
) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=WebhookDelivery.State.FAILED if final else WebhookDelivery.State.PENDING,
        last_status=status,
        last_error=reason[:300],
    )


def delivery_give_up(*, delivery_id: int, reason: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        state=WebhookDelivery.State.FAILED, last_error=reason[:300]
    )


def delivery_redeliver(*, delivery: WebhookDelivery, actor: User) -> None:
    """A manager sends it again (the receiver was down for longer than the retries)."""
    from casework.webhooks.tasks import deliver_webhook

    policies.require_manager(actor, MANAGERS_ONLY)
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=WebhookDelivery.State.PENDING, last_error=""
        )
        enqueue_on_commit(deliver_webhook, delivery_id=delivery.pk)
