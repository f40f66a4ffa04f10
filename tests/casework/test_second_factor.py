"""Issue 13: a second factor at sign-in. Managers (and anyone with admin access) must set up
an authenticator app before the desk opens; whoever has one is asked for its code after
the password; recovery codes work once; wrong codes slow down; a manager resets a lost
phone, recorded; a password alone cannot replace a factor."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.models import FactorEvent, StaffSession

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
START = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def required_for_managers(settings, time_machine):
    settings.MFA_REQUIRED_FOR = "managers"
    time_machine.move_to(START, tick=False)


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = datetime.now(UTC).timestamp()
    return f"{totp.token():06d}"


def sign_in(client: Client, user) -> None:
    answer = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert answer.status_code == 302, answer.content.decode()


def enrol(client: Client, user) -> tuple[TOTPDevice, list[str]]:
    page = client.get(reverse("casework:factor_authenticator"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(reverse("casework:factor_authenticator"), {"code": code_for(device)})
    assert done.status_code == 200, done.content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    device.refresh_from_db()
    return device, codes


def test_a_manager_must_set_up_an_app_before_the_desk_opens(client, manager, time_machine):
    sign_in(client, manager.user)

    queue = client.get(reverse("casework:queue"))
    assert queue.status_code == 302
    assert queue["Location"].startswith(reverse("casework:factor_security") + "?next=")
    assert client.get("/admin/").status_code == 302
    api = client.get(reverse("api:enquiry-list"))
    assert api.status_code == 403 and "second factor" in api.json()["detail"]

    page = client.get(reverse("casework:factor_authenticator"))
    html = page.content.decode()
    assert "<svg" in html and "QR code holding this desk" in html  # drawn here
    device = TOTPDevice.objects.get(user=manager.user, confirmed=False)
    wrong = client.post(reverse("casework:factor_authenticator"), {"code": "000000"})
    assert wrong.status_code == 400 and "did not match" in wrong.content.decode()
    assert client.get(reverse("casework:queue")).status_code == 302  # still owed
    time_machine.shift(timedelta(seconds=2))  # a wrong code makes the next wait a second

    device, codes = enrol(client, manager.user)

    assert device.confirmed and len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("casework:queue")).status_code == 200
    assert (
        FactorEvent.objects.filter(user=manager.user, kind__in=["enrolled", "codes_made"]).count()
        == 2
    )
    again = client.get(reverse("casework:factor_security")).content.decode()
    assert "10 unused codes left" in again and codes[0] not in again  # shown once


def test_an_adviser_is_not_asked_unless_the_setting_says_so(client, adviser, settings):
    sign_in(client, adviser.user)
    assert client.get(reverse("casework:queue")).status_code == 200
    client.logout()

    settings.MFA_REQUIRED_FOR = "staff"
    sign_in(client, adviser.user)
    assert client.get(reverse("casework:queue")).status_code == 302


def test_the_code_is_asked_after_the_password_and_works_once(client, manager, time_machine):
    sign_in(client, manager.user)
    device, codes = enrol(client, manager.user)
    client.logout()
    time_machine.move_to(START + timedelta(minutes=5), tick=False)

    sign_in(client, manager.user)
    asked = client.get(reverse("casework:queue"))
    assert asked["Location"].startswith(reverse("casework:factor_verify"))
    # Owing a code, the password alone cannot set up a new app in its place.
    assert client.get(reverse("casework:factor_authenticator")).status_code == 302
    assert client.get(reverse("casework:factor_security")).status_code == 302

    wrong = client.post(reverse("casework:factor_verify"), {"code": "123456", "next": "/desk/"})
    assert wrong.status_code == 400
    assert "That code did not work" in wrong.content.decode()

    time_machine.shift(timedelta(seconds=2))
    device.refresh_from_db()
    right = client.post(
        reverse("casework:factor_verify"), {"code": code_for(device), "next": "/desk/cases/"}
    )
    assert right.status_code == 302 and right["Location"] == "/desk/cases/"
    assert client.get(reverse("casework:queue")).status_code == 200

    # The same code cannot be replayed in another sign-in.
    other = Client()
    sign_in(other, manager.user)
    device.refresh_from_db()
    replay = other.post(reverse("casework:factor_verify"), {"code": code_for(device)})
    assert replay.status_code == 400


def test_a_recovery_code_signs_in_once_and_is_recorded(client, manager, time_machine):
    sign_in(client, manager.user)
    _, codes = enrol(client, manager.user)
    client.logout()

    sign_in(client, manager.user)
    spaced = f"{codes[0][:4]} {codes[0][4:].upper()}"  # as someone might type it
    used = client.post(reverse("casework:factor_verify"), {"code": spaced})
    assert used.status_code == 302
    assert StaticToken.objects.filter(device__user=manager.user).count() == 9
    assert FactorEvent.objects.filter(user=manager.user, kind="recovery_used").exists()
    client.logout()

    time_machine.move_to(START + timedelta(minutes=10), tick=False)
    sign_in(client, manager.user)
    again = client.post(reverse("casework:factor_verify"), {"code": codes[0]})
    assert again.status_code == 400


def test_wrong_codes_in_a_row_slow_down_even_the_right_one(client, manager, time_machine):
    sign_in(client, manager.user)
    device, _ = enrol(client, manager.user)
    client.logout()
    time_machine.move_to(START + timedelta(minutes=5), tick=False)
    sign_in(client, manager.user)

    moment = START + timedelta(minutes=5)
    for n in range(4):  # each after the wait the one before asked for: 1, 2, 4 seconds
        moment += timedelta(seconds=2**n)
        time_machine.move_to(moment, tick=False)
        answer = client.post(reverse("casework:factor_verify"), {"code": f"99999{n}"})
        assert "That code did not work" in answer.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 4
    time_machine.move_to(moment + timedelta(seconds=3), tick=False)
    throttled = client.post(reverse("casework:factor_verify"), {"code": code_for(device)})

    assert throttled.status_code == 400
    assert "Too many wrong codes in a row. Wait 5 seconds" in throttled.content.decode()

    time_machine.move_to(START + timedelta(minutes=30), tick=False)
    device.refresh_from_db()
    later = client.post(reverse("casework:factor_verify"), {"code": code_for(device)})
    assert later.status_code == 302


def test_a_manager_resets_a_lost_phone_recorded_and_sessions_ended(
    client, manager, adviser, settings
):
    settings.MFA_REQUIRED_FOR = "staff"
    ada = Client()
    sign_in(ada, adviser.user)
    enrol(ada, adviser.user)
    assert StaffSession.objects.filter(user=adviser.user).exists()

    sign_in(client, manager.user)
    enrol(client, manager.user)
    listing = client.get(reverse("casework:factor_staff"))
    assert listing.status_code == 200
    assert adviser.user.get_full_name() in listing.content.decode()

    client.post(reverse("casework:factor_reset", args=[adviser.user.pk]))

    assert not TOTPDevice.objects.filter(user=adviser.user).exists()
    assert not StaticToken.objects.filter(device__user=adviser.user).exists()
    assert ada.get(reverse("casework:queue")).status_code == 302  # signed out
    event = FactorEvent.objects.get(user=adviser.user, kind="reset")
    assert event.actor == manager.user
    sign_in(ada, adviser.user)
    assert ada.get(reverse("casework:queue"))["Location"].startswith(
        reverse("casework:factor_security")
    )


def test_advisers_cannot_reset_and_the_staff_page_is_constant_in_queries(
    client, adviser, other_adviser, manager, django_assert_max_num_queries, settings
):
    settings.MFA_REQUIRED_FOR = "none"  # force_login stands for a full sign-in here
    client.force_login(adviser.user)
    assert client.post(reverse("casework:factor_reset", args=[manager.user.pk])).status_code == 403
    assert client.get(reverse("casework:factor_staff")).status_code == 403

    client.force_login(manager.user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("casework:factor_staff")).status_code == 200


def test_someone_not_required_may_opt_in_and_out(client, adviser, time_machine):
    sign_in(client, adviser.user)
    enrol(client, adviser.user)
    client.logout()
    time_machine.shift(timedelta(minutes=1))
    sign_in(client, adviser.user)
    assert client.get(reverse("casework:queue"))["Location"].startswith(
        reverse("casework:factor_verify")
    )
    device = TOTPDevice.objects.get(user=adviser.user)
    client.post(reverse("casework:factor_verify"), {"code": code_for(device)})

    client.post(reverse("casework:factor_remove"))

    assert not TOTPDevice.objects.filter(user=adviser.user).exists()
    assert FactorEvent.objects.filter(user=adviser.user, kind="removed").exists()


def test_a_manager_cannot_stop_using_a_second_factor(client, manager):
    sign_in(client, manager.user)
    enrol(client, manager.user)

    refused = client.post(reverse("casework:factor_remove"), follow=True)

    assert "Your role needs a second factor" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=manager.user, confirmed=True).exists()


def test_new_recovery_codes_replace_the_old_ones_and_are_shown_once(client, manager):
    sign_in(client, manager.user)
    _, old = enrol(client, manager.user)

    made = client.post(reverse("casework:factor_recovery_codes")).content.decode()

    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", made)
    assert len(new) == 10 and not set(new) & set(old)
    held = set(
        StaticToken.objects.filter(device__user=manager.user).values_list("token", flat=True)
    )
    assert held == set(new)
    assert FactorEvent.objects.filter(user=manager.user, kind="codes_made").count() == 2
