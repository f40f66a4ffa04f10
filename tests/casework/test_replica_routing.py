"""The read replica's rules without a replica (config/replica.py, casework/reports/source.py,
docs/reports.md "The read replica"): the router sends only report reads to it and never a
write; reports choose it while it is close enough behind and otherwise read the primary
and say why; /readyz shows it without letting it decide readiness. On both engines, with
the replica's state stood in for; a real standby: test_replica_standby.py."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from casework.models import Team
from casework.reports.params import ReportFilterForm
from casework.reports.source import ReadSource, choose, report_source
from config import replica
from config.replica import PRIMARY, REPLICA, ReplicaRouter, ReplicaStatus, reading_from
from tests.casework.test_reports import period_query

ROOT = Path(__file__).resolve().parents[2]
NOON = datetime(2026, 10, 14, 11, 0, 5, tzinfo=UTC)  # 12:00:05 in London (BST)


# --- the router --------------------------------------------------------------------------


def test_reads_go_to_the_replica_only_inside_a_report_reading_from_it():
    router = ReplicaRouter()
    assert router.db_for_read(Team) is None  # Django's default: the primary
    with reading_from(REPLICA):
        assert router.db_for_read(Team) == REPLICA
        with reading_from(PRIMARY):
            assert router.db_for_read(Team) == PRIMARY
        assert router.db_for_read(Team) == REPLICA
    assert router.db_for_read(Team) is None


def test_writes_always_go_to_the_primary():
    router = ReplicaRouter()
    with reading_from(REPLICA):
        assert router.db_for_write(Team) == PRIMARY
        assert router.db_for_write(Team, instance=Team(name="x")) == PRIMARY
    assert router.db_for_write(Team) == PRIMARY


def test_nothing_is_migrated_on_the_replica():
    router = ReplicaRouter()
    assert router.allow_migrate(PRIMARY, "casework") is True
    assert router.allow_migrate(REPLICA, "casework") is False


# --- the lag rule ------------------------------------------------------------------------


def test_a_caught_up_replica_is_chosen_with_its_time():
    source = choose(
        ReplicaStatus(reachable=True, lag_seconds=0.0, as_of=NOON), now=NOON, max_lag_seconds=60
    )
    assert source == ReadSource(REPLICA, NOON)
    assert source.note() == "Figures as of 12:00:05, from the read replica."
    assert source.headers() == {
        "X-Report-Source": "replica",
        "X-Report-As-Of": "2026-10-14T11:00:05+00:00",
    }


def test_a_replica_behind_by_the_limit_is_still_chosen():
    as_of = NOON - timedelta(seconds=60)
    status = ReplicaStatus(reachable=True, lag_seconds=60.0, as_of=as_of)
    assert choose(status, now=NOON, max_lag_seconds=60) == ReadSource(REPLICA, as_of)


def test_a_replica_further_behind_is_left_for_the_primary_and_the_report_says_so():
    status = ReplicaStatus(reachable=True, lag_seconds=75.4, as_of=NOON - timedelta(seconds=75))
    source = choose(status, now=NOON, max_lag_seconds=60)
    assert source == ReadSource(PRIMARY, NOON, fallback="the replica is 75 s behind")
    assert source.note() == "Figures read from the main database: the replica is 75 s behind."
    assert source.headers()["X-Report-Source"] == "primary"
    assert source.headers()["X-Report-Fallback"] == "the replica is 75 s behind"


def test_an_unreachable_replica_is_left_for_the_primary():
    source = choose(
        ReplicaStatus(reachable=False, fault="OperationalError"), now=NOON, max_lag_seconds=60
    )
    assert source == ReadSource(PRIMARY, NOON, fallback="the replica is unreachable")


def test_a_replica_behind_by_an_unknown_time_is_left_for_the_primary():
    source = choose(ReplicaStatus(reachable=True), now=NOON, max_lag_seconds=60)
    assert source.alias == PRIMARY
    assert source.fallback == "the replica is behind by an unknown time"


# --- the decision ------------------------------------------------------------------------


def test_without_a_replica_reports_read_the_primary_and_say_nothing(db):
    source = report_source()
    assert source.alias == PRIMARY and source.fallback == ""
    assert source.note() == ""


@pytest.fixture
def configured(monkeypatch, settings):
    """A replica configured, whose state the test sets (``configured.status``)."""

    class State:
        status = ReplicaStatus(reachable=True, lag_seconds=0.0, as_of=timezone.now())
        measured = 0

    def measure() -> ReplicaStatus:
        State.measured += 1
        return State.status

    monkeypatch.setattr("casework.reports.source.replica_configured", lambda: True)
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "measure_replica", measure)
    settings.REPLICA_CHECK_SECONDS = 5
    replica.forget_replica_status()
    yield State
    replica.forget_replica_status()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reports_read_the_replica_when_it_is_fit(configured, settings):
    assert report_source().alias == REPLICA
    configured.status = ReplicaStatus(reachable=True, lag_seconds=61.0, as_of=timezone.now())
    replica.forget_replica_status()
    assert report_source().fallback == "the replica is 61 s behind"
    settings.REPLICA_MAX_LAG_SECONDS = 90
    assert report_source().alias == REPLICA


def test_inside_a_transaction_reports_read_the_primary_that_holds_its_writes(configured, db):
    """A caller's transaction (a command, a test) may hold writes the replica cannot see."""
    assert connection.in_atomic_block  # the test's own transaction
    with transaction.atomic():
        source = report_source()
    assert source.alias == PRIMARY and source.note() == ""
    assert configured.measured == 0  # not even looked at


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_lag_is_looked_at_once_in_a_few_seconds(configured, settings, time_machine):
    time_machine.move_to(NOON, tick=False)
    for _ in range(3):
        report_source()
    assert configured.measured == 1
    settings.REPLICA_CHECK_SECONDS = 0
    report_source()
    report_source()
    assert configured.measured == 3


# --- what the pages, the API and the CSV say -----------------------------------------------


@pytest.fixture
def from_source(monkeypatch):
    """Reports read from the primary, but believe the source is ``from_source.value``."""

    class Chosen:
        value = ReadSource(PRIMARY, NOON, fallback="the replica is 75 s behind")

    monkeypatch.setattr("casework.reports.registry.report_source", lambda: Chosen.value)
    return Chosen


def test_the_page_says_the_figures_are_from_the_main_database_and_why(client, manager, from_source):
    client.force_login(manager.user)
    response = client.get(reverse("reports:report", args=["flow"]), period_query())
    assert response.status_code == 200
    assert "Figures read from the main database: the replica is 75 s behind." in (
        response.content.decode()
    )


def test_the_page_says_as_of_when_from_the_replica(client, manager, from_source, monkeypatch):
    from casework.reports.session import report_session

    from_source.value = ReadSource(REPLICA, NOON)
    # No replica here: read the primary, as the replica would.
    monkeypatch.setattr("casework.reports.registry.report_session", lambda _: report_session())
    client.force_login(manager.user)
    page = client.get(reverse("reports:report", args=["flow"]), period_query()).content.decode()
    assert "Figures as of 12:00:05, from the read replica." in page


def test_without_a_replica_the_page_says_nothing_of_databases(client, manager):
    client.force_login(manager.user)
    page = client.get(reverse("reports:report", args=["flow"]), period_query()).content.decode()
    assert "Figures as of" not in page and "main database" not in page


def test_the_api_and_the_csv_carry_the_same_fact(client, api_client, manager, from_source):
    api_client.force_authenticate(manager.user)
    response = api_client.get("/api/v1/reports/flow/", period_query())
    assert response.status_code == 200
    assert response.json()["read_from"] == {
        "database": "primary",
        "as_of": "2026-10-14T12:00:05+01:00",
        "fallback": "the replica is 75 s behind",
    }
    assert response["X-Report-Source"] == "primary"
    assert response["X-Report-Fallback"] == "the replica is 75 s behind"
    client.force_login(manager.user)
    csv = client.get(reverse("reports:csv", args=["flow", "times"]), period_query())
    assert csv.status_code == 200
    assert csv["X-Report-Source"] == "primary"
    assert csv["X-Report-As-Of"] == "2026-10-14T11:00:05+00:00"
    assert csv["X-Report-Fallback"] == "the replica is 75 s behind"


def test_without_a_replica_the_api_says_the_primary_as_of_now(api_client, manager):
    api_client.force_authenticate(manager.user)
    response = api_client.get("/api/v1/reports/caseload/")
    source = response.json()["read_from"]
    assert source["database"] == "primary" and source["fallback"] == ""
    assert "X-Report-Fallback" not in response


def test_the_board_report_says_where_its_figures_came_from(client, manager, from_source):
    from casework.reports.pdf import board_report_html
    from casework.reports.registry import build_board

    reports = build_board(_params(period_query()), user=manager.user)
    html = board_report_html(reports, reports[0].params)
    assert html.count("Figures read from the main database: the replica is 75 s behind.") == 1
    client.force_login(manager.user)
    response = client.get(reverse("reports:board_pdf"), period_query())
    assert response.status_code == 200
    assert response["X-Report-Fallback"] == "the replica is 75 s behind"


def _params(query: dict[str, str]):
    form = ReportFilterForm(query)
    assert form.is_valid(), form.errors
    return form.params()


# --- /readyz and /metrics ------------------------------------------------------------------


def _readyz_with(monkeypatch, client, status: ReplicaStatus | None):
    monkeypatch.setattr("casework.health.selectors.replica_status", lambda: status)
    return client.get("/readyz")


def test_readyz_shows_the_replicas_lag(client, db, monkeypatch):
    status = ReplicaStatus(reachable=True, lag_seconds=2.345, as_of=timezone.now())
    response = _readyz_with(monkeypatch, client, status)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["replica"] == {
        "ok": True,
        "detail": "ok",
        "lag_seconds": 2.3,
        "max_lag_seconds": 60,
    }


def test_a_lagging_replica_leaves_the_desk_ready_but_degraded(client, db, monkeypatch):
    status = ReplicaStatus(reachable=True, lag_seconds=300.0, as_of=timezone.now())
    response = _readyz_with(monkeypatch, client, status)
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    check = response.json()["checks"]["replica"]
    assert check["ok"] is False
    assert check["detail"] == "the replica is 300 s behind: reports read from the main database"


def test_an_unreachable_replica_is_reported_by_its_fault_class_only(client, db, monkeypatch):
    status = ReplicaStatus(reachable=False, fault="OperationalError")
    response = _readyz_with(monkeypatch, client, status)
    assert (response.status_code, response.json()["status"]) == (200, "degraded")
    assert response.json()["checks"]["replica"] == {
        "ok": False,
        "detail": (
            "the replica is unreachable (OperationalError): reports read from the main database"
        ),
        "lag_seconds": None,
        "max_lag_seconds": 60,
    }


def test_a_real_fault_still_makes_the_desk_unready_with_a_replica(client, db, monkeypatch):
    monkeypatch.setattr(
        "casework.health.selectors.cache_check", lambda: {"ok": False, "detail": "x"}
    )
    response = _readyz_with(monkeypatch, client, ReplicaStatus(reachable=False))
    assert (response.status_code, response.json()["status"]) == (503, "unavailable")


def test_without_a_replica_readyz_has_no_replica_check(client, db):
    assert "replica" not in client.get("/readyz").json()["checks"]


def test_metrics_carry_the_replicas_lag(client, db, monkeypatch, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1/32"]
    status = ReplicaStatus(reachable=True, lag_seconds=4.5, as_of=timezone.now())
    monkeypatch.setattr("casework.health.metrics.replica_status", lambda: status)
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "desk_replica_up 1.0" in body
    assert "desk_replica_lag_seconds 4.5" in body
    monkeypatch.setattr(
        "casework.health.metrics.replica_status", lambda: ReplicaStatus(reachable=False)
    )
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "desk_replica_up 0.0" in body
    assert "desk_replica_lag_seconds" not in body


# --- settings ------------------------------------------------------------------------------


def _settings_with(**env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", **env}
    for name in ("DATABASE_URL", "DATABASE_REPLICA_URL"):
        if name not in env:
            environment.pop(name, None)
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'replica': s.DATABASES.get('replica'), "
        "'routers': s.DATABASE_ROUTERS}, default=str))"
    )
    return subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_the_setting_there_is_no_replica_and_no_router():
    started = _settings_with()
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout) == {"replica": None, "routers": []}


def test_the_setting_adds_a_replica_mirrored_in_tests_and_the_router():
    started = _settings_with(
        DATABASE_URL="postgres://desk@db1:5432/desk",
        DATABASE_REPLICA_URL="postgres://desk_ro@db2:5433/desk",
    )
    assert started.returncode == 0, started.stderr
    made = json.loads(started.stdout)
    assert made["routers"] == ["config.replica.ReplicaRouter"]
    assert (made["replica"]["HOST"], made["replica"]["PORT"]) == ("db2", 5433)
    assert made["replica"]["OPTIONS"]["connect_timeout"] == 2
    assert made["replica"]["TEST"]["MIRROR"] == "default"


def test_a_replica_of_sqlite_stops_start_up():
    started = _settings_with(DATABASE_REPLICA_URL="postgres://desk@db2/desk")
    assert started.returncode != 0
    assert "DATABASE_REPLICA_URL must name a PostgreSQL standby" in started.stderr
