"""The portal's posts (a reply, "send me a new link") go through Django's own CSRF check,
origin and token: the pages that post back are ``Referrer-Policy: same-origin`` so that a
browser sends our real origin with them; every other portal response stays
``no-referrer``. No other site is told a tracking address either way."""

import pytest
from django.test import Client
from django.urls import reverse

from enquiries.models import Message, TrackingLink, hash_token
from tests.enquiries.portal import PDF, reply_url, track_url

pytestmark = pytest.mark.django_db

OURS = "http://testserver"
FOREIGN = "https://evil.example"


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def _csrf(browser: Client, url: str) -> str:
    browser.get(url, follow=True)
    return browser.cookies["csrftoken"].value


def test_a_reply_from_another_site_is_refused_and_one_from_ours_accepted(browser, submit):
    enquiry = submit()
    token, url = track_url(enquiry)
    csrf = _csrf(browser, url)

    def post(data=None, **headers):
        data = {"body": "x", "csrfmiddlewaretoken": csrf} if data is None else data
        return browser.post(reply_url(token, enquiry), data, **headers)

    assert post(HTTP_ORIGIN=FOREIGN, HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    # What a no-referrer page would send: Django refuses it, and nothing here accepts it.
    assert post(HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    assert post(HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin").status_code == 403
    assert post({"body": "x"}, HTTP_ORIGIN=OURS).status_code == 403  # our origin, no token
    assert not Message.objects.filter(sender=Message.Sender.GROUP).exists()

    assert post(HTTP_ORIGIN=OURS, HTTP_SEC_FETCH_SITE="same-origin").status_code == 302
    secure = post(secure=True, HTTP_ORIGIN="https://testserver")
    assert secure.status_code == 302
    assert Message.objects.filter(sender=Message.Sender.GROUP).count() == 2


def test_send_me_a_new_link_needs_our_origin_too(browser, submit):
    enquiry = submit()
    token, url = track_url(enquiry)
    csrf = _csrf(browser, url)
    rotate = reverse("enquiries:track_rotate", args=[token])
    new_link = reverse("enquiries:new_link")
    data = {"csrfmiddlewaretoken": csrf, "email": "sam@example.org"}

    assert browser.post(rotate, data, HTTP_ORIGIN=FOREIGN).status_code == 403
    assert browser.post(new_link, data, HTTP_ORIGIN=FOREIGN).status_code == 403
    assert TrackingLink.objects.get(token_hash=hash_token(token)).revoked_at is None

    assert browser.post(new_link, data, HTTP_ORIGIN=OURS).status_code == 200
    assert browser.post(rotate, data, HTTP_ORIGIN=OURS).status_code == 200
    assert TrackingLink.objects.get(token_hash=hash_token(token)).revoked_at is not None


def test_only_the_pages_that_post_back_are_same_origin(client, submit, adviser):
    from enquiries.conversation.services import attachment_add_bytes, message_publish

    enquiry = submit()
    message = message_publish(enquiry=enquiry, body="Your letter", actor=adviser.user)
    letter = attachment_add_bytes(
        enquiry=enquiry, content=PDF, name="letter.pdf", actor=adviser.user, message=message
    )
    token, url = track_url(enquiry)
    other = submit(subject="Another one", phone="")
    reply = reply_url(token, enquiry)

    posting_back = {
        "tracking page": client.get(url, follow=True),
        "another enquiry's page": client.get(
            reverse("enquiries:track_enquiry", args=[token, other.reference]), follow=True
        ),
        "a reply refused (shown again)": client.post(reply, {"body": ""}),
        "the new-link form": client.get(reverse("enquiries:new_link")),
        "the new-link form refused": client.post(reverse("enquiries:new_link"), {"email": "x"}),
    }
    others = {
        "after a reply": client.post(reply, {"body": "Thanks"}),
        "a document": client.get(
            reverse("enquiries:track_document", args=[token, enquiry.reference, letter.pk]),
            follow=True,
        ),
        "new link sent": client.post(reverse("enquiries:new_link"), {"email": "a@example.org"}),
        "link rotated": client.post(reverse("enquiries:track_rotate", args=[token])),
        "link not valid": client.get(url, follow=True),  # rotated just now
    }

    assert [r.status_code for r in posting_back.values()] == [200, 200, 400, 200, 400]
    assert [r.status_code for r in others.values()] == [302, 200, 200, 200, 404]
    assert {k: r["Referrer-Policy"] for k, r in posting_back.items()} == dict.fromkeys(
        posting_back, "same-origin"
    )
    assert {k: r["Referrer-Policy"] for k, r in others.items()} == dict.fromkeys(
        others, "no-referrer"
    )
    assert {r["Cache-Control"] for r in [*posting_back.values(), *others.values()]} == {"no-store"}
