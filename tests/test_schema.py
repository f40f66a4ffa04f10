"""The OpenAPI schema at /api/v1/schema/ and the browsable docs at /api/v1/docs/."""

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

ENQUIRY_FILTERS = {
    "status",
    "topic",
    "area",
    "region",
    "channel",
    "priority",
    "age",
    "adviser",
    "unassigned",
    "received_after",
    "received_before",
    "q",
    "sla",
    # The links behind report figures (casework.reports) use these.
    "team",
    "also_about",
    "enquirer_type",
    "organisation",
    "closed_after",
    "closed_before",
    "deadline_within",
    "outcome",
    "plan_stage",
    "outcome_after",
    "outcome_before",
    "individual",
    "timed",
    "sla_result",
    "ordering",
    "queue",
    "page",
    "page_size",
}


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["version"].endswith("(v1)")


def test_schema_yaml_renders(client):
    response = client.get("/api/v1/schema/")

    assert response.status_code == 200
    assert b"/api/v1/enquiries/" in response.content


def test_schema_lists_the_enquiry_endpoints(schema):
    paths = schema["paths"]
    assert set(paths["/api/v1/enquiries/"]) == {"get", "post"}
    assert set(paths["/api/v1/enquiries/{reference}/"]) == {"get", "patch"}  # edit (409/428)
    for command in ("claim", "assign", "status"):
        assert set(paths[f"/api/v1/enquiries/{{reference}}/{command}/"]) == {"post"}
    for path in ("/api/v1/organisations/", "/api/v1/contacts/", "/api/v1/advisers/"):
        assert set(paths[path]) == {"get"}


def test_queue_lists_every_filter_and_only_those(schema):
    operation = schema["paths"]["/api/v1/enquiries/"]["get"]

    assert {p["name"] for p in operation["parameters"] if p["in"] == "query"} == ENQUIRY_FILTERS
    assert {"tokenAuth": []} in operation["security"]
    assert {"cookieAuth": []} in operation["security"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert page.endswith("/PaginatedEnquiryListList")


REPORT_FILTERS = {
    "period",
    "date_from",
    "date_to",
    "bucket",
    "team",
    "adviser",
    "topic",
    "area",
    "region",
    "channel",
}


@pytest.mark.parametrize("name", ["caseload", "flow", "outcomes", "demand"])
def test_schema_lists_the_report_endpoints(schema, name):
    path = schema["paths"][f"/api/v1/reports/{name}/"]
    assert set(path) == {"get"}
    operation = path["get"]
    assert operation["operationId"] == f"reports_{name}"
    assert {p["name"] for p in operation["parameters"] if p["in"] == "query"} == REPORT_FILTERS
    assert {"200", "400", "403"} <= set(operation["responses"])
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/Report")
    assert {"tokenAuth": []} in operation["security"]


def test_intake_is_anonymous_json_with_an_idempotency_key(schema):
    operation = schema["paths"]["/api/v1/enquiries/"]["post"]

    headers = [p for p in operation["parameters"] if p["in"] == "header"]
    assert [h["name"] for h in headers] == ["Idempotency-Key"]
    assert operation.get("security", []) in ([], [{}])  # no credentials asked for
    assert "security" not in schema  # and none required globally
    assert list(operation["requestBody"]["content"]) == ["application/json"]
    assert {"201", "200", "400", "409", "429"} <= set(operation["responses"])
    body = schema["components"]["schemas"]["EnquiryIntakeInputRequest"]
    assert body["properties"]["message"]["maxLength"] == 10_000
    assert "consent_to_store" in body["required"]


def test_enquiry_detail_documents_nested_records(schema):
    detail = schema["components"]["schemas"]["EnquiryDetail"]["properties"]

    assert detail["assignments"]["type"] == "array"
    assert detail["organisation"]["nullable"] is True
    assert detail["contact"]["allOf"][0]["$ref"].endswith("/Contact")


def test_schema_generates_without_warnings_or_errors(tmp_path):
    GENERATOR_STATS.reset()  # warnings are remembered process-wide

    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--api-version",
        "v1",
        "--file",
        str(tmp_path / "schema.yaml"),
    )

    assert not GENERATOR_STATS
    assert "/api/v1/enquiries/" in (tmp_path / "schema.yaml").read_text()


def test_docs_render(client):
    page = client.get("/api/v1/docs/")
    script = client.get("/api/v1/docs/", {"script": ""})

    assert page.status_code == 200
    assert b"swagger-ui" in page.content
    assert script.status_code == 200
    assert b"/api/v1/schema/" in script.content
