"""The public intake API: other sites post enquiries anonymously (POST /api/v1/enquiries/)."""

import json

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient

from casework.tokens.services import api_token_create
from enquiries.intake import services as intake_services
from enquiries.intake.api import EnquiryIntakeInputSerializer
from enquiries.intake.forms import EnquiryForm
from enquiries.models import Channel, Contact, Enquiry, IdempotencyKey, Organisation, Status

pytestmark = pytest.mark.django_db

URL = "/api/v1/enquiries/"


def submit(client, data, key=None, **extra):
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(URL, data, format="json", **extra)


def assert_nothing_saved():
    assert Enquiry.objects.count() == 0
    assert Contact.objects.count() == 0
    assert Organisation.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0


# --- success ---------------------------------------------------------------------------------


def test_anonymous_submission_returns_reference_and_tracking_url(api_client, enquiry_data, adviser):
    response = submit(api_client, enquiry_data)

    assert response.status_code == 201
    body = response.json()
    enquiry = Enquiry.objects.get()
    assert body["reference"] == enquiry.reference
    assert body["status"] == enquiry.status == Status.IN_PROGRESS  # routed to Ada
    assert body["tracking_url"].startswith(f"{django_settings.SITE_URL}/track/")
    assert enquiry.channel == Channel.API
    assert enquiry.logged_by is None
    assert enquiry.assigned_to == adviser.user
    assert enquiry.contact.email == "sam@example.org"
    assert enquiry.organisation.postcode == "LN1 1AA"  # normalised as on the form
    assert enquiry.topic.slug == "acv-notice-of-sale"


def test_tracking_url_opens_the_groups_portal(api_client, client, enquiry_data, adviser):
    body = submit(api_client, enquiry_data).json()

    page = client.get(body["tracking_url"].removeprefix(django_settings.SITE_URL), follow=True)

    assert page.status_code == 200
    assert body["reference"] in page.content.decode()


def test_api_takes_the_same_fields_as_the_public_form():
    form_fields = set(EnquiryForm.base_fields) - {"website"}  # the form's spam trap
    assert set(EnquiryIntakeInputSerializer().fields) == form_fields


def test_a_submission_runs_a_pinned_number_of_statements(
    api_client, enquiry_data, adviser, django_assert_max_num_queries
):
    """Issue 12: 47 statements (in a test's transaction, savepoints included) before; 22
    once the reference lists and the teams' remits are held (docs/performance.md, "The
    public front door"). The first submission after a change reads them (five queries).
    Since issue 21, one more each: the day's report rollup marked dirty after the
    enquiry's insert (not again for its routing in the same transaction)."""
    with django_assert_max_num_queries(28):
        assert submit(api_client, enquiry_data).status_code == 201
    another = {**enquiry_data, "organisation_name": "Save the Bell", "email": "bell@example.org"}
    with django_assert_max_num_queries(23):
        response = submit(api_client, another)
    assert response.status_code == 201 and response.json()["status"] == Status.IN_PROGRESS
    assert Enquiry.objects.filter(assigned_to=adviser.user).count() == 2


def test_optional_fields_may_be_left_out(api_client, enquiry_data, adviser):
    required = ["organisation_name", "organisation_type", "contact_name", "email"]
    required += ["subject", "message", "consent_to_store"]
    data = {key: enquiry_data[key] for key in required}

    response = submit(api_client, data)

    assert response.status_code == 201
    enquiry = Enquiry.objects.get()
    assert enquiry.topic is None
    assert enquiry.local_authority is None


def test_signed_in_browser_session_needs_no_csrf_token_and_stays_anonymous(enquiry_data, adviser):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(adviser.user)

    response = submit(client, enquiry_data)

    assert response.status_code == 201
    assert Enquiry.objects.get().logged_by is None


def test_credentials_are_ignored_on_the_public_endpoint(api_client, enquiry_data, adviser):
    bad = submit(api_client, enquiry_data, HTTP_AUTHORIZATION="Token not-a-real-token")
    good_token = api_token_create(user=adviser.user, name="test", days=1)
    good = submit(
        api_client,
        {**enquiry_data, "subject": "Second"},
        HTTP_AUTHORIZATION=f"Token {good_token.key}",
    )

    assert (bad.status_code, good.status_code) == (201, 201)
    assert not Enquiry.objects.filter(logged_by__isnull=False).exists()


# --- idempotency -----------------------------------------------------------------------------


def test_retry_with_same_idempotency_key_returns_first_result(api_client, enquiry_data, adviser):
    first = submit(api_client, enquiry_data, key="order-42")
    retry = submit(api_client, dict(reversed(enquiry_data.items())), key="order-42")

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json()["reference"] == first.json()["reference"]
    assert retry.json()["received_at"] == first.json()["received_at"]
    assert retry.json()["tracking_url"] is None  # only a hash of the link is kept
    assert Enquiry.objects.count() == 1
    assert Contact.objects.count() == 1


def test_retry_that_loses_a_race_answers_as_a_replay(
    api_client, enquiry_data, adviser, monkeypatch
):
    """Two requests with one key, both past the replay check: the database's unique key
    refuses the second, whose enquiry is rolled back, and it answers as a replay."""
    first = submit(api_client, enquiry_data, key="race")
    real_replay = intake_services._earlier
    calls = []

    def replay_seen_late(key, fingerprint):
        calls.append(key)
        return None if len(calls) == 1 else real_replay(key, fingerprint)

    monkeypatch.setattr(intake_services, "_earlier", replay_seen_late)

    second = submit(api_client, enquiry_data, key="race")

    assert second.status_code == 200
    assert second.json()["reference"] == first.json()["reference"]
    assert Enquiry.objects.count() == 1
    assert Contact.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_a_conflict(api_client, enquiry_data, adviser):
    submit(api_client, enquiry_data, key="order-42")

    response = submit(api_client, {**enquiry_data, "subject": "Something else"}, key="order-42")

    assert response.status_code == 409
    assert "different request body" in response.json()["detail"]
    assert Enquiry.objects.count() == 1


def test_different_idempotency_keys_make_different_enquiries(api_client, enquiry_data, adviser):
    first = submit(api_client, enquiry_data, key="a")
    second = submit(api_client, enquiry_data, key="b")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["reference"] != second.json()["reference"]


def test_rejected_submission_does_not_use_up_its_idempotency_key(api_client, enquiry_data, adviser):
    bad = submit(api_client, {**enquiry_data, "email": "nope"}, key="k1")
    fixed = submit(api_client, enquiry_data, key="k1")

    assert (bad.status_code, fixed.status_code) == (400, 201)


@pytest.mark.parametrize("key", ["k" * 256, "nul\x00byte", "tab\tkey"])
def test_malformed_idempotency_key_is_refused(api_client, enquiry_data, key):
    response = submit(api_client, enquiry_data, key=key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert_nothing_saved()


# --- throttling ------------------------------------------------------------------------------


@pytest.fixture
def intake_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"enquiry_intake": "2/hour"},
    }
    cache.clear()
    yield
    cache.clear()


def test_intake_is_throttled_per_client(api_client, enquiry_data, adviser, intake_rate):
    codes = [submit(api_client, {**enquiry_data, "subject": f"S{n}"}).status_code for n in range(3)]

    assert codes == [201, 201, 429]
    assert Enquiry.objects.count() == 2
    elsewhere = submit(api_client, enquiry_data, REMOTE_ADDR="192.0.2.9")
    assert elsewhere.status_code == 201


def test_throttle_counts_invalid_attempts_too(api_client, enquiry_data, intake_rate):
    for _ in range(2):
        assert submit(api_client, {"subject": "probe"}).status_code == 400

    response = submit(api_client, enquiry_data)

    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert_nothing_saved()


def test_intake_is_limited_per_email_address_from_any_client(
    api_client, client, enquiry_data, adviser, settings
):
    """The form's per-address limit applies to the API too, and the two share it: many
    clients aimed at one mailbox cannot have it sent acknowledgements without end."""
    settings.ENQUIRY_FORM_ADDRESS_RATE = "3/hour"
    by_form = client.post(
        "/enquire/", {**enquiry_data, "consent_to_store": "on"}, REMOTE_ADDR="192.0.2.1"
    )
    codes = [
        submit(api_client, {**enquiry_data, "subject": f"S{n}"}, REMOTE_ADDR=f"192.0.2.{n + 2}")
        for n in range(3)
    ]

    assert by_form.status_code == 302
    assert [r.status_code for r in codes] == [201, 201, 429]
    refused = codes[-1]
    assert refused["Content-Type"] == "application/json"
    assert "this email address" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    assert Enquiry.objects.count() == 3
    same_mailbox = submit(api_client, {**enquiry_data, "email": "SAM@example.org"})
    assert same_mailbox.status_code == 429  # the address counts whatever its case
    other = submit(api_client, {**enquiry_data, "email": "jo@example.org"}, REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 201


def test_a_replay_is_not_counted_against_the_address(api_client, enquiry_data, adviser, settings):
    settings.ENQUIRY_FORM_ADDRESS_RATE = "1/hour"
    first = submit(api_client, enquiry_data, key="retry-me")
    replays = [submit(api_client, enquiry_data, key="retry-me").status_code for _ in range(3)]
    assert first.status_code == 201 and replays == [200, 200, 200]


# --- invalid input: a clear per-field 4xx, never a 500, nothing saved ------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"message": "x" * 10_001}, "message"),
        ({"subject": "x" * 201}, "subject"),
        ({"asset_address": "x" * 1_001}, "asset_address"),
        ({"topic": "no-such-topic"}, "topic"),
        ({"local_authority": "atlantis"}, "local_authority"),
        ({"organisation_type": "cabal"}, "organisation_type"),
        ({"consent_to_store": "maybe"}, "consent_to_store"),
        ({"consent_to_store": False}, "consent_to_store"),
        ({"subject": ["a", "list"]}, "subject"),
        ({"email": {"an": "object"}}, "email"),
        ({"topic": ["acv-notice-of-sale"]}, "topic"),
        ({"local_authority": 42}, "local_authority"),
        ({"organisation_type": True}, "organisation_type"),
        ({"subject": None}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"message": "null byte \x00 here"}, "message"),
        ({"postcode": "NOT A POSTCODE"}, "postcode"),
        ({"phone": "call me maybe"}, "phone"),
    ],
)
def test_invalid_field_gets_a_per_field_error(api_client, enquiry_data, change, field):
    response = submit(api_client, {**enquiry_data, **change})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()
    assert list(errors) == [field]
    assert isinstance(errors[field][0], str)
    assert errors[field][0]
    assert_nothing_saved()


def test_missing_fields_are_each_reported(api_client):
    response = submit(api_client, {})

    assert response.status_code == 400
    assert set(response.json()) == {
        "organisation_name",
        "organisation_type",
        "contact_name",
        "email",
        "subject",
        "message",
        "consent_to_store",
    }
    assert_nothing_saved()


def test_refused_consent_is_explained(api_client, enquiry_data):
    response = submit(api_client, {**enquiry_data, "consent_to_store": False})

    assert "agrees to storing" in response.json()["consent_to_store"][0]


def test_unknown_topic_points_to_the_topic_list(api_client, enquiry_data):
    response = submit(api_client, {**enquiry_data, "topic": "no-such-topic"})

    assert "/api/v1/topics/" in response.json()["topic"][0]


def test_inactive_topic_is_refused(api_client, enquiry_data, topics):
    topics["acv-notice-of-sale"].is_active = False
    topics["acv-notice-of-sale"].save(update_fields=["is_active"])

    response = submit(api_client, enquiry_data)

    assert response.status_code == 400
    assert "topic" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        '{"subject": "unterminated',
        "NaN",
        "\xff\xfe",
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_malformed_json_is_a_400(api_client, body):
    response = api_client.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert_nothing_saved()


@pytest.mark.parametrize("body", [[], [{"subject": "x"}], "a string", 42, None, True])
def test_json_that_is_not_an_object_is_a_400(api_client, body):
    response = api_client.post(URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert "JSON object" in response.json()["non_field_errors"][0]
    assert_nothing_saved()


def test_body_over_the_upload_limit_is_refused(api_client, enquiry_data, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000

    response = submit(api_client, {**enquiry_data, "message": "x" * 60_000})

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert_nothing_saved()


def test_form_encoded_body_is_unsupported(api_client, enquiry_data):
    response = api_client.post(URL, {**enquiry_data, "consent_to_store": "true"})

    assert response.status_code == 415
    assert_nothing_saved()


def test_unknown_fields_are_ignored_not_stored(api_client, enquiry_data, adviser):
    response = submit(
        api_client, {**enquiry_data, "status": "closed", "priority": 4, "assigned_to": 1}
    )

    assert response.status_code == 201
    enquiry = Enquiry.objects.get()
    assert enquiry.status != Status.CLOSED
    assert enquiry.priority == 2


def test_old_idempotency_keys_are_pruned_and_recent_ones_kept(api_client, enquiry_data):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from enquiries.models import IdempotencyKey

    for key in ("old-key", "new-key"):
        response = api_client.post(
            "/api/v1/enquiries/",
            {**enquiry_data, "subject": key},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        assert response.status_code == 201
    IdempotencyKey.objects.filter(key="old-key").update(
        created_at=timezone.now() - timedelta(days=8)
    )

    call_command("prune_idempotency_keys", verbosity=0)

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new-key"]
