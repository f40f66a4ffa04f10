"""Staff API tokens: named, per user, with an expiry and last use; only a hash stored;
revocable by their owner and by managers; the key shown once."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import ApiToken, token_hash
from casework.tokens.services import api_token_create

pytestmark = pytest.mark.django_db

LIST = "/api/v1/enquiries/"


def use(api_client, key: str) -> int:
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client.get(LIST).status_code


def test_a_token_works_until_it_expires_and_records_its_last_use(api_client, adviser, time_machine):
    made = api_token_create(user=adviser.user, name="export script", days=30)

    assert use(api_client, made.key) == 200
    token = ApiToken.objects.get()
    assert token.key_hash == token_hash(made.key) and made.key not in token.key_hash
    assert token.last_used_at is not None
    assert made.key.startswith(token.prefix)

    time_machine.move_to(timezone.now() + timedelta(days=31))
    assert use(api_client, made.key) == 401


def test_the_key_is_stored_only_as_a_hash(adviser):
    made = api_token_create(user=adviser.user, name="x", days=1)

    row = ApiToken.objects.values().get()
    assert made.key not in {str(value) for value in row.values()}


def test_the_page_shows_a_new_key_once_and_revokes(client, api_client, adviser):
    client.force_login(adviser.user)

    made = client.post(reverse("casework:api_tokens"), {"name": "Monthly export", "days": "30"})

    assert made.status_code == 200 and made["Cache-Control"].startswith("no-store")
    key = re.search(r'value="(crd_[^"]+)"', made.content.decode()).group(1)
    assert use(api_client, key) == 200
    again = client.get(reverse("casework:api_tokens")).content.decode()
    assert key not in again and "Monthly export" in again
    token = ApiToken.objects.get()

    client.post(reverse("casework:api_token_revoke", args=[token.pk]))

    assert use(api_client, key) == 401
    token.refresh_from_db()
    assert token.revoked_by == adviser.user


def test_bad_input_is_refused_with_a_message(client, adviser):
    client.force_login(adviser.user)

    response = client.post(reverse("casework:api_tokens"), {"name": " ", "days": "400"})

    assert response.status_code == 400
    assert "Error: API tokens" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_managers_revoke_anyones_token_and_others_cannot(
    client, api_client, adviser, other_adviser, manager
):
    made = api_token_create(user=adviser.user, name="Ada's script", days=10)
    client.force_login(other_adviser.user)
    assert (
        client.post(reverse("casework:api_token_revoke", args=[made.token.pk])).status_code == 404
    )
    assert use(api_client, made.key) == 200

    client.force_login(manager.user)
    page = client.get(reverse("casework:api_tokens")).content.decode()
    assert "Ada&#x27;s script" in page
    client.post(reverse("casework:api_token_revoke", args=[made.token.pk]))

    assert use(api_client, made.key) == 401


def test_create_api_token_command(adviser):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_api_token", adviser.user.username, "--days", "2", stdout=out)

    key = re.search(r"Generated token (\S+)", out.getvalue()).group(1)
    assert ApiToken.objects.get().key_hash == token_hash(key)
