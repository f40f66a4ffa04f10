"""Issue 13: a staff session ends after 30 minutes without a request, and 12 hours after
sign-in however busy it is (both settings); the next page asks to sign in again and says why."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

QUEUE = reverse("casework:queue")


def signed_in(response) -> bool:
    return response.status_code == 200


def test_a_session_idle_past_the_limit_is_signed_out(client, adviser, time_machine, settings):
    time_machine.move_to(timezone.now(), tick=False)
    client.force_login(adviser.user)
    assert signed_in(client.get(QUEUE))

    time_machine.shift(timedelta(minutes=settings.SESSION_IDLE_MINUTES - 1))
    assert signed_in(client.get(QUEUE))  # activity keeps it alive

    time_machine.shift(timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1))
    response = client.get(QUEUE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"]).content.decode()
    assert f"signed out after {settings.SESSION_IDLE_MINUTES} minutes without activity" in page
    assert "_auth_user_id" not in client.session


def test_a_busy_session_ends_at_its_absolute_lifetime(client, adviser, time_machine, settings):
    time_machine.move_to(timezone.now(), tick=False)
    client.force_login(adviser.user)
    client.get(QUEUE)
    steps = settings.SESSION_MAX_HOURS * 3  # a request every 20 minutes, never idle
    for _ in range(steps - 1):
        time_machine.shift(timedelta(minutes=20))
        assert signed_in(client.get(QUEUE))
    time_machine.shift(timedelta(minutes=21))
    response = client.get(QUEUE)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert f"signed out after {settings.SESSION_MAX_HOURS} hours" in page


def test_the_cookie_lasts_no_longer_than_the_session(settings):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_MAX_HOURS * 3600


def test_the_public_form_and_token_api_are_not_affected(client, api_client, adviser):
    assert client.get(reverse("enquiries:enquire")).status_code == 200
    api_client.force_authenticate(adviser.user)
    assert api_client.get("/api/v1/enquiries/").status_code == 200
