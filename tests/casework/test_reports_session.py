"""Reports on PostgreSQL run in their own session settings, take turns, and are stopped
when they run too long: the manager gets a 503 saying what to do, never a 500, and the
desk's own queries keep PostgreSQL's defaults (casework/reports/session.py)."""

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from casework.reports.session import LOCK_CLASS, report_session
from tests.casework.test_reports import period_query

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings and locks"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Other:
    """A second connection to the same database, as another server process would hold."""

    def __init__(self):
        self.conn = connections.create_connection("default")
        self.conn.set_autocommit(False)

    def run(self, sql: str, params=()) -> None:
        with self.conn.cursor() as cursor:
            cursor.execute(sql, params)

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


@pytest.fixture
def other():
    held = Other()
    yield held
    held.release()


def _show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_a_report_runs_with_its_own_settings_and_the_desk_keeps_the_defaults(settings):
    settings.REPORT_WORK_MEM = "48MB"
    settings.REPORT_TIMEOUT_SECONDS = 12
    names = ("work_mem", "jit", "statement_timeout", "parallel_setup_cost", "parallel_tuple_cost")
    before = {name: _show(name) for name in names}
    with report_session():
        assert _show("work_mem") == "48MB"
        assert _show("jit") == "off"
        assert (_show("parallel_setup_cost"), _show("parallel_tuple_cost")) == ("100", "0.01")
        assert _show("statement_timeout") == "12s"
        assert _show("lock_timeout") == "0"  # only the wait for a turn is limited
        # One snapshot for the whole report, and it writes nothing.
        assert (_show("transaction_isolation"), _show("transaction_read_only")) == (
            "repeatable read",
            "on",
        )
    assert {name: _show(name) for name in before} == before


def test_a_report_waits_for_its_turn_then_answers_busy(
    client, api_client, manager, other, settings
):
    settings.REPORT_QUEUE_SECONDS = 0.3
    other.run("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_CLASS])  # a report computing
    client.force_login(manager.user)
    api_client.force_authenticate(manager.user)

    page = client.get(reverse("reports:report", args=["flow"]), period_query())
    api = api_client.get("/api/v1/reports/outcomes/", period_query())
    csv = client.get(reverse("reports:csv", args=["flow", "closures"]), period_query())

    assert page.status_code == 503 and page["Retry-After"] == "60"
    assert "wait its turn" in page.content.decode()
    assert "Try the flow over the period report again" in page.content.decode()
    assert api.status_code == 503 and "try again in a minute" in api.json()["detail"]
    assert csv.status_code == 503 and csv["Content-Type"].startswith("text/plain")
    # The caseload, which advisers use, takes turns too; the desk itself does not.
    assert client.get(reverse("casework:queue")).status_code == 200

    other.release()
    assert client.get(reverse("reports:report", args=["flow"]), period_query()).status_code == 200


def test_a_second_slot_lets_a_report_through_while_one_is_taken(client, manager, other, settings):
    settings.REPORT_CONCURRENCY = 2
    settings.REPORT_QUEUE_SECONDS = 0.3
    client.force_login(manager.user)
    other.run("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_CLASS])
    assert client.get(reverse("reports:report", args=["demand"])).status_code == 200
    with report_session():  # a free slot taken at once: no lock_timeout left behind
        assert _show("lock_timeout") == "0"

    other.run("SELECT pg_advisory_xact_lock(%s, 1)", [LOCK_CLASS])
    assert client.get(reverse("reports:report", args=["demand"])).status_code == 503


def test_a_report_that_runs_too_long_is_stopped_with_advice(client, manager, other, settings):
    settings.REPORT_TIMEOUT_SECONDS = 0.5
    client.force_login(manager.user)
    # Another process holds the enquiries table: the report's query cannot finish.
    other.run("LOCK TABLE enquiries_enquiry IN ACCESS EXCLUSIVE MODE")

    response = client.get(reverse("reports:board_pdf"), period_query())

    assert response.status_code == 503
    body = response.content.decode()
    assert "took longer than 0.5 seconds" in body and "Choose a shorter period" in body
    assert "Retry-After" not in response


def test_reports_take_turns_across_connections(manager, settings):
    """Two reports started together: the second starts only when the first has ended."""
    from casework.reports.params import default_params
    from casework.reports.registry import build_report

    settings.REPORT_QUEUE_SECONDS = 10
    holding, order = threading.Event(), []

    def first():
        try:
            with report_session():
                holding.set()
                order.append("first computing")
                threading.Event().wait(0.5)
                order.append("first done")
        finally:
            connection.close()

    def second():
        try:
            holding.wait(5)
            build_report("demand", default_params(), user=manager.user)
            order.append("second done")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert order == ["first computing", "first done", "second done"]
