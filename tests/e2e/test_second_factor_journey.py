"""A manager's first sign-in sets up an authenticator app from the QR page (its key read
off the page, as a person typing it would), keeps the recovery codes, and the next
sign-in takes a code generated from that key. Every page of it passes axe."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from tests.e2e.test_journeys import label
from tests.e2e.test_staff_pages import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def code(key: str, *, steps_ahead: int = 0) -> str:
    totp = TOTP(b32decode(key))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_a_manager_sets_up_a_second_factor_and_signs_in_with_it(
    live_server, page, check_accessibility, manager, adviser, settings
):
    settings.MFA_REQUIRED_FOR = "managers"

    sign_in(page, live_server, manager.user, "/desk/")
    assert page.locator("h1").inner_text() == "Sign-in security"
    assert "Your role on the desk needs a second factor" in page.content()
    check_accessibility(page, "sign-in security, a factor owed")

    page.get_by_role("link", name="Set up an authenticator app").click()
    page.wait_for_selector("svg.qr")
    check_accessibility(page, "setting up an authenticator app")
    key = page.locator("code.key").inner_text().replace(" ", "").strip()

    page.get_by_label(label("Code")).fill("000000")
    page.get_by_role("button", name="Set up the app").click()
    assert "That code did not match" in page.locator(".error-summary").inner_text()
    check_accessibility(page, "a wrong code while setting up")
    time.sleep(1.1)  # a wrong code makes the next one wait a second

    page.get_by_label(label("Code")).fill(code(key))
    page.get_by_role("button", name="Set up the app").click()
    page.wait_for_selector("#codes-heading")
    recovery = page.locator(".recovery-codes code").all_inner_texts()
    assert len(recovery) == 10
    check_accessibility(page, "the recovery codes, shown once")

    page.get_by_role("link", name="Continue").click()
    page.wait_for_selector("h1")
    assert page.url.endswith("/desk/")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_selector("h1")

    sign_in(page, live_server, manager.user, "/desk/")
    assert page.locator("h1").inner_text() == "Enter your code"
    check_accessibility(page, "the code step of signing in")
    # The next step's code: the one just used for setting up cannot be used twice.
    page.get_by_label(label("Code")).fill(code(key, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("h1")
    assert page.url.endswith("/desk/")

    response = page.goto(f"{live_server.url}/desk/security/staff/")
    assert response.status == 200
    assert "Ada" in page.content()
    check_accessibility(page, "the managers' list of second factors")
