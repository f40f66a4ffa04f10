"""What the benchmark asks of the desk: the endpoints and the submissions it sends.

Shared by ``run_bench.py`` (latency over HTTP) and ``query_counts.py`` (SQL
queries per request, in-process), so both measure the same requests.
"""

from dataclasses import dataclass

MANAGER = "hannah.okafor"
PASSWORD = "community-rights-demo"  # noqa: S105 - the demo password seed_demo sets

# Varied so that routing, organisation and contact lookups differ between requests.
TOPICS = ["acv-notice-of-sale", "np-getting-started", "cat-policy", "gov-structure", "funding", ""]
AREAS = ["west-lindsey", "leeds", "cornwall", "camden", "wiltshire", ""]


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    method: str
    path: str
    staff: bool = True


ENDPOINTS = [
    Endpoint("form_get", "Public form, GET /enquire/", "GET", "/enquire/", staff=False),
    Endpoint("form_post", "Public form, POST /enquire/", "POST", "/enquire/", staff=False),
    Endpoint(
        "api_post", "Public API, POST /api/v1/enquiries/", "POST", "/api/v1/enquiries/", staff=False
    ),
    Endpoint("queue", "Staff queue, /desk/?queue=all (manager)", "GET", "/desk/?queue=all"),
    Endpoint(
        "queue_closed",
        "Staff queue, closed ones (largest set)",
        "GET",
        "/desk/?queue=all&status=closed",
    ),
    Endpoint(
        "api_list", "Staff API, /api/v1/enquiries/?queue=all", "GET", "/api/v1/enquiries/?queue=all"
    ),
    Endpoint("enquiry", "Enquiry page, /desk/enquiries/<ref>/", "GET", "/desk/enquiries/{ref}/"),
]


def submission(i: int) -> dict:
    """The i-th enquiry a group sends in; the same fields for the form and the API."""
    return {
        "organisation_name": f"Bench Community Group {i % 50}",
        "organisation_type": "community_group",
        "contact_name": f"Bench Contact {i % 50}",
        "email": f"bench{i % 50}@example.org",
        "phone": "",
        "postcode": "",
        "local_authority": AREAS[i % len(AREAS)],
        "topic": TOPICS[i % len(TOPICS)],
        "subject": f"Benchmark enquiry {i}",
        "message": "Our village pub has been put up for sale. What can we do, and by when?",
        "asset_name": "The Red Lion",
        "asset_address": "1 High Street",
        "accessibility_needs": "",
    }


def form_fields(i: int, csrf_token: str) -> dict:
    return {
        **submission(i),
        "consent_to_store": "on",
        "website": "",
        "csrfmiddlewaretoken": csrf_token,
    }


def api_body(i: int) -> dict:
    body = {**submission(i), "consent_to_store": True}
    for key in ("local_authority", "topic"):
        body[key] = body[key] or None
    return body
