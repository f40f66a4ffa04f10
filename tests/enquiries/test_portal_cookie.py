"""Issue 13: the tracking link's token leaves the address bar. Its first request sets a
short-lived, HttpOnly, Secure, SameSite=Lax cookie scoped to the portal and answers 303
with the same page without the token; the pages then open by the cookie, for
PORTAL_COOKIE_MINUTES after the last one, and only while the link itself is valid."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enquiries.models import TrackingLink, hash_token
from tests.enquiries.portal import track_url

pytestmark = pytest.mark.django_db


def test_the_token_is_exchanged_for_a_cookie_and_leaves_the_address(client, submit, settings):
    settings.PORTAL_COOKIE_MINUTES = 60
    enquiry = submit()
    token, url = track_url(enquiry)

    opened = client.get(url)

    assert opened.status_code == 303
    assert opened["Location"] == reverse("enquiries:portal") == "/track/"
    assert token not in opened["Location"]
    assert opened["Cache-Control"].startswith("no-store")
    assert opened["Referrer-Policy"] == "no-referrer"
    cookie = client.cookies["crd_portal"]
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Lax" and cookie["path"] == "/track/"
    assert cookie["max-age"] == 3600
    assert token not in cookie.value  # the link's id, signed; never the token

    page = client.get(opened["Location"])
    assert page.status_code == 200 and enquiry.reference in page.content.decode()
    assert token not in page.content.decode()  # every link and form on it is token-free

    deeper = client.get(reverse("enquiries:track_enquiry", args=[token, enquiry.reference]))
    assert deeper.status_code == 303
    assert deeper["Location"] == reverse("enquiries:portal_enquiry", args=[enquiry.reference])


def test_without_the_cookie_the_pages_ask_for_the_link_again(client, submit):
    enquiry = submit()
    token, _ = track_url(enquiry)

    bare = client.get(reverse("enquiries:portal_enquiry", args=[enquiry.reference]))

    assert bare.status_code == 404
    assert "Open your link again" in bare.content.decode()
    forged = Client()
    link = TrackingLink.objects.get(token_hash=hash_token(token))
    forged.cookies["crd_portal"] = str(link.pk)  # unsigned
    assert forged.get(reverse("enquiries:portal")).status_code == 404


def test_the_cookie_lasts_while_the_group_is_active_and_ends_after(
    client, submit, settings, time_machine
):
    settings.PORTAL_COOKIE_MINUTES = 60
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    enquiry = submit()
    _, url = track_url(enquiry)
    client.get(url)

    time_machine.move_to(start + timedelta(minutes=50), tick=False)
    assert client.get(reverse("enquiries:portal")).status_code == 200  # renews it
    time_machine.move_to(start + timedelta(minutes=100), tick=False)
    assert client.get(reverse("enquiries:portal")).status_code == 200
    time_machine.move_to(start + timedelta(minutes=161), tick=False)
    # The browser would have dropped it; a kept copy is refused by its signed age too.
    assert client.get(reverse("enquiries:portal")).status_code == 404


def test_a_revoked_or_replaced_link_closes_its_cookie_too(client, submit):
    enquiry = submit()
    token, url = track_url(enquiry)
    client.get(url)
    assert client.get(reverse("enquiries:portal")).status_code == 200

    TrackingLink.objects.filter(token_hash=hash_token(token)).update(revoked_at=timezone.now())

    assert client.get(reverse("enquiries:portal")).status_code == 404


def test_a_reply_from_the_page_goes_by_the_cookie(client, submit):
    enquiry = submit()
    _, url = track_url(enquiry)
    client.get(url)

    sent = client.post(
        reverse("enquiries:portal_reply", args=[enquiry.reference]),
        {"body": "Thank you, the council has replied.", "submission_key": "a" * 32},
    )

    assert sent.status_code == 302
    assert sent["Location"] == "/track/#conversation"
    assert enquiry.messages.filter(body__startswith="Thank you").exists()
