"""The staff enquiry page in-process: median and 90th percentile of ``ROUNDS`` GETs (100
unless set) through Django's test ``Client`` after 5 untimed ones, and its SQL statements,
for a record with five each of notes, replies, letters, tasks and time entries and a key
date with its deadlines (issue 12), for an adviser and for a manager.

Run with pytest, which makes the throwaway test database (SQLite, or PostgreSQL with
``DATABASE_URL``) and lends the tests' personas::

    ROUNDS=100 .venv/bin/python -m pytest -p tests.conftest bench/enquiry_page_inprocess.py \
        -s -o addopts="" -p no:warnings

No HTTP, no server: the view, its queries and the template, as issue 12 measured them;
timed once as the test client runs it and once with the test environment's template
instrumentation switched off, as a server renders.
"""

import os
import statistics
import time

import pytest
from django.db import connection
from django.template import Template
from django.test.utils import CaptureQueriesContext, _TestState

from tests.casework.conftest import mine  # noqa: F401  # the fixture
from tests.casework.test_desk_views import add_to_the_record, page_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["adviser", "manager"])
def test_enquiry_page_in_process(client, adviser, manager, mine, request, who):  # noqa: F811
    rounds = int(os.environ.get("ROUNDS", "100"))
    add_to_the_record(mine, adviser, 5)
    client.force_login(request.getfixturevalue(who).user)
    url = page_url(mine)
    for _ in range(5):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    queries = len(captured.captured_queries)  # the next request clears the log
    plain = Template._render
    timed = {"test client": _timed(client, url, rounds)}
    # As a server renders it: without the test environment's instrumentation of every
    # template render (it copies the context for ``response.context`` at each include).
    Template._render = _TestState.saved_data.template_render  # type: ignore[attr-defined]
    try:
        timed["templates uninstrumented"] = _timed(client, url, rounds)
    finally:
        Template._render = plain
    for how, (median, p90) in timed.items():
        print(
            f"\n{connection.vendor} {who}: {queries} queries; {how}: median {median:.1f} ms, "
            f"p90 {p90:.1f} ms over {rounds}"
        )


def _timed(client, url: str, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9)]
