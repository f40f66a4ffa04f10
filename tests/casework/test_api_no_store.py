"""Issue 13: no API response with personal data is kept by a browser or a proxy."""

import pytest

pytestmark = pytest.mark.django_db


def not_stored(response) -> bool:
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    return {"no-store", "private"} <= directives


def test_staff_reads_and_their_errors_are_not_stored(api_client, mine, adviser, outsider):
    api_client.force_authenticate(adviser.user)
    for path in (
        "/api/v1/enquiries/",
        f"/api/v1/enquiries/{mine.reference}/",
        f"/api/v1/enquiries/{mine.reference}/letters/",
        "/api/v1/enquiries/CR-1999-000001/",  # 404
    ):
        response = api_client.get(path)
        assert not_stored(response), (path, response.status_code, response["Cache-Control"])
    api_client.force_authenticate(outsider)
    assert not_stored(api_client.get("/api/v1/enquiries/"))  # 403
    api_client.force_authenticate(None)
    assert not_stored(api_client.get("/api/v1/enquiries/"))  # 401/403


def test_the_intake_answer_with_its_tracking_link_is_not_stored(api_client, enquiry_data):
    response = api_client.post(
        "/api/v1/enquiries/", {**enquiry_data, "consent_to_store": True}, format="json"
    )
    assert response.status_code == 201 and not_stored(response)


def test_the_schema_keeps_its_own_caching(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
