"""SQL queries per benchmarked request, counted in-process against the bench database.

Run by ``run_bench.py`` with the same environment as the server and
``DJANGO_SETTINGS_MODULE=config.settings``; prints JSON to stdout:
``{key: {"status": ..., "queries": ..., "slowest": [{"ms": ..., "sql": ...}, ...]}}``.
Each request is made once to warm caches, then once more under
``CaptureQueriesContext``.
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from scenarios import ENDPOINTS, MANAGER, api_body, form_fields  # noqa: E402


def call(client: Client, key: str, path: str, token: str, i: int):
    if key == "form_post":
        return client.post(path, form_fields(i, "unused"))
    if key == "api_post":
        return client.post(path, api_body(i), content_type="application/json")
    if key == "api_list":
        return client.get(path, headers={"authorization": f"Token {token}"})
    return client.get(path)


def measure(client: Client, key: str, path: str, token: str) -> dict:
    call(client, key, path, token, 900_001)  # warm-up
    with CaptureQueriesContext(connection) as captured:
        response = call(client, key, path, token, 900_002)
    slowest = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:3]
    return {
        "status": response.status_code,
        "queries": len(captured.captured_queries),
        "slowest": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"]} for q in slowest],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--token", required=True, help="API token of the manager")
    parser.add_argument("--reference", required=True, help="an enquiry for the enquiry page")
    args = parser.parse_args()
    # A failing view shows as status 500 with its queries, instead of stopping the count.
    public = Client(SERVER_NAME="127.0.0.1", raise_request_exception=False)
    staff = Client(SERVER_NAME="127.0.0.1", raise_request_exception=False)
    staff.force_login(get_user_model().objects.get(username=MANAGER))
    results = {
        endpoint.key: measure(
            staff if endpoint.staff else public,
            endpoint.key,
            endpoint.path.format(ref=args.reference),
            args.token,
        )
        for endpoint in ENDPOINTS
    }
    json.dump(results, sys.stdout, indent=2)


if __name__ == "__main__":
    main()
