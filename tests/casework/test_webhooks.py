"""Issue 16: webhooks. A manager registers an endpoint; a real HTTP receiver on a loopback
port gets each chosen event after the commit, signed with HMAC-SHA256 over the timestamp
and body; a receiver that fails is retried with back-off; private addresses are refused
unless allowed; nothing personal is sent."""

import pytest
from django.urls import reverse

from casework.models import WebhookDelivery, WebhookEndpoint
from casework.webhooks import services
from enquiries.models import Status
from enquiries.services import enquiry_change_status
from tests.casework.webhook_receiver import verify

pytestmark = pytest.mark.django_db


def test_a_registered_endpoint_gets_signed_events_after_the_commit(
    client, manager, adviser, submit, receiver, django_capture_on_commit_callbacks
):
    client.force_login(manager.user)
    added = client.post(
        reverse("casework:webhooks"),
        {"url": receiver.url, "events": ["enquiry.received", "enquiry.closed"]},
    )
    assert added.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in added.content.decode()  # shown once, on this page

    with django_capture_on_commit_callbacks(execute=True):
        enquiry = submit(subject="Save the Red Lion")
    with django_capture_on_commit_callbacks(execute=True):
        enquiry_change_status(enquiry=enquiry, status=Status.CLOSED, actor=adviser.user)

    assert [d["headers"]["Desk-Event"] for d in receiver.received] == [
        "enquiry.received",
        "enquiry.closed",
    ]
    first = verify(endpoint.secret, receiver.received[0])
    assert first["event"] == "enquiry.received"
    assert first["enquiry"]["reference"] == enquiry.reference
    raw = b" ".join(d["body"] for d in receiver.received)
    for personal in (b"Sam", b"Green", b"sam@example.org", b"Red Lion"):
        assert personal not in raw
    assert WebhookDelivery.objects.filter(state="delivered").count() == 2
    page = client.get(reverse("casework:webhook", args=[endpoint.pk])).content.decode()
    assert "enquiry.closed" in page and "Delivered" in page


def test_a_change_rolled_back_sends_nothing(manager, submit, receiver):
    services.endpoint_create(
        url=receiver.url, events=["enquiry.received"], description="", actor=manager.user
    )
    submit()  # the test's transaction is never committed

    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_a_failing_receiver_is_retried_and_a_manager_can_send_again(
    manager, submit, receiver, settings, django_capture_on_commit_callbacks
):
    settings.TASK_MAX_ATTEMPTS = 3
    endpoint = services.endpoint_create(
        url=receiver.url, events=["enquiry.received"], description="", actor=manager.user
    )
    receiver.answers = [503, 500, 502]  # down for three attempts: the retries run out

    with django_capture_on_commit_callbacks(execute=True):
        submit()

    delivery = WebhookDelivery.objects.get()
    assert len(receiver.received) == 3 and delivery.attempts == 3
    assert delivery.state == "failed" and "Gave up after 3 attempts" in delivery.last_error
    ids = {verify(endpoint.secret, d)["id"] for d in receiver.received}
    assert ids == {delivery.pk}  # the same delivery each time: the receiver can dedupe

    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_redeliver(delivery=delivery, actor=manager.user)

    delivery.refresh_from_db()
    assert delivery.state == "delivered" and len(receiver.received) == 4


def test_a_refusal_is_not_retried(manager, submit, receiver, django_capture_on_commit_callbacks):
    services.endpoint_create(
        url=receiver.url, events=["enquiry.received"], description="", actor=manager.user
    )
    receiver.answers = [410]

    with django_capture_on_commit_callbacks(execute=True):
        submit()

    delivery = WebhookDelivery.objects.get()
    assert len(receiver.received) == 1
    assert delivery.state == "failed" and delivery.last_status == 410


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "ftp://files.example/hook",
    ],
)
def test_private_and_odd_addresses_are_refused(client, manager, url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(manager.user)

    refused = client.post(reverse("casework:webhooks"), {"url": url, "events": ["letter.issued"]})

    assert refused.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_advisers_cannot_manage_webhooks(client, adviser, receiver):
    client.force_login(adviser.user)
    assert client.get(reverse("casework:webhooks")).status_code == 403
    posted = client.post(
        reverse("casework:webhooks"), {"url": receiver.url, "events": ["enquiry.received"]}
    )
    assert posted.status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_a_fault_working_out_webhooks_never_fails_the_committed_change(
    manager, submit, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    services.endpoint_create(
        url=receiver.url, events=["enquiry.received"], description="", actor=manager.user
    )

    def broken(**kwargs):
        raise RuntimeError("webhooks broke")

    monkeypatch.setattr(services, "event_emit", broken)

    with django_capture_on_commit_callbacks(execute=True):
        enquiry = submit()  # no error reaches the caller: the fault is logged

    assert enquiry.pk is not None and receiver.received == []


def test_a_paused_endpoint_is_sent_nothing_until_resumed(
    client, manager, submit, receiver, django_capture_on_commit_callbacks
):
    endpoint = services.endpoint_create(
        url=receiver.url, events=["enquiry.received"], description="", actor=manager.user
    )
    client.force_login(manager.user)
    client.post(reverse("casework:webhook_active", args=[endpoint.pk]))

    with django_capture_on_commit_callbacks(execute=True):
        submit()
    assert receiver.received == [] and not WebhookDelivery.objects.exists()

    client.post(reverse("casework:webhook_active", args=[endpoint.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        submit()
    assert len(receiver.received) == 1
