"""Issue 13: a staff member can end every session they signed in with (another browser, a
lost laptop) at once; signing out forgets the session."""

import pytest
from django.test import Client
from django.urls import reverse

from casework.models import StaffSession

pytestmark = pytest.mark.django_db

QUEUE = reverse("casework:queue")
EVERYWHERE = reverse("casework:sign_out_everywhere")


def test_signing_out_everywhere_ends_the_other_browsers_session_too(adviser, manager):
    laptop, phone, colleague = Client(), Client(), Client()
    laptop.force_login(adviser.user)
    phone.force_login(adviser.user)
    colleague.force_login(manager.user)
    assert StaffSession.objects.filter(user=adviser.user).count() == 2
    assert phone.get(QUEUE).status_code == 200

    response = laptop.post(EVERYWHERE)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    page = laptop.get(response["Location"]).content.decode()
    assert "signed out everywhere (2 sessions ended)" in page

    assert phone.get(QUEUE).status_code == 302  # the other browser must sign in again
    assert laptop.get(QUEUE).status_code == 302
    assert colleague.get(QUEUE).status_code == 200  # nobody else's
    assert not StaffSession.objects.filter(user=adviser.user).exists()


def test_signing_out_forgets_the_session_and_the_button_is_on_every_desk_page(client, adviser):
    client.force_login(adviser.user)
    assert 'action="/desk/sign-out-everywhere/"' in client.get(QUEUE).content.decode()
    client.post(reverse("logout"))
    assert not StaffSession.objects.exists()


def test_it_is_a_post_for_signed_in_staff_only(client, outsider):
    assert client.get(EVERYWHERE).status_code in (302, 405)
    client.force_login(outsider)
    assert client.post(EVERYWHERE).status_code == 403
