"""Issue 13: wrong passwords lock a username for a while, in every server process alike; the
page does not say whether the account exists, and the right password waits it out."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.factories import AdviserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def ada():
    adviser = AdviserFactory(user__username="ada")
    adviser.user.set_password(PASSWORD)
    adviser.user.save()
    return adviser.user


def sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_twelve_wrong_passwords_lock_the_account_and_the_right_one_then_waits(
    client, ada, settings
):
    answers = [sign_in(client, "ada", f"wrong {n}").status_code for n in range(12)]
    limit = settings.AXES_FAILURE_LIMIT
    assert answers[: limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert set(answers[limit - 1 :]) == {429}  # locked

    locked = sign_in(client, "ada", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    page = locked.content.decode()
    minutes = settings.AXES_COOLOFF_TIME.seconds // 60
    assert "Sign-in paused" in page and f"paused for {minutes} minutes" in page


def test_the_lockout_says_the_same_for_an_account_that_does_not_exist(client, ada, settings):
    for username in ("ada", "nobody-here"):
        for n in range(settings.AXES_FAILURE_LIMIT):
            response = sign_in(client, username, f"wrong {n}")
        assert response.status_code == 429
        assert "too many unsuccessful attempts to sign in with that username" in (
            response.content.decode()
        )


def test_other_usernames_are_not_locked_and_the_lock_passes(client, ada, time_machine, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "ada", f"wrong {n}")
    other = AdviserFactory(user__username="bea").user
    other.set_password(PASSWORD)
    other.save()
    assert sign_in(client, "bea", PASSWORD).status_code == 302  # signed in

    client.logout()
    time_machine.move_to(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
    assert sign_in(client, "ada", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="ada").exists()  # reset on success


def test_attempts_are_counted_in_the_database_not_in_a_process(client, ada, settings):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "ada", f"wrong {n}")
    assert AccessAttempt.objects.get(username="ada").failures_since_start == (
        settings.AXES_FAILURE_LIMIT - 1
    )
