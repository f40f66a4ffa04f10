"""Reports on a real PostgreSQL streaming standby (tests/replica.py makes one from the test
server with pg_basebackup): they read it, say "figures as of", fall back to the primary
and say so when it lags or is down, /readyz shows its lag, and nothing is written to it
(config/replica.py, casework/reports/source.py, docs/reports.md "The read replica").

What a test writes must be committed for the standby to replay it: these tests run
outside a transaction (``transaction=True``) and wait for the replay."""

import re
import time
from datetime import datetime, timedelta

import pytest
from django.db import DatabaseError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.reports.registry import build_report
from casework.reports.source import report_source
from config.replica import PRIMARY, REPLICA, forget_replica_status, measure_replica, reading_from
from enquiries.models import Channel, Enquiry
from tests.casework.test_reports import enquiry, figures, period, period_query

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a streaming standby exists only for PostgreSQL: set DATABASE_URL=postgres://... "
        "to run these against a real one (CI does)",
    ),
    pytest.mark.django_db(
        transaction=True, serialized_rollback=True, databases=["default", "replica"]
    ),
    pytest.mark.usefixtures("replica_database"),
]


@pytest.fixture(autouse=True)
def _look_every_time(settings):
    settings.REPLICA_CHECK_SECONDS = 0
    forget_replica_status()
    yield
    forget_replica_status()


@pytest.fixture
def standby(replica_database):
    """The standby, replaying again and running after the test whatever it did."""
    yield replica_database
    if _down(replica_database):
        replica_database.start()
    else:
        replica_database.resume_replay()
    replica_database.wait_for_replay()


def _down(standby) -> bool:
    try:
        standby.one("SELECT 1")
    except Exception:
        return True
    return False


def phoned(n: int) -> list[Enquiry]:
    return [enquiry(channel=Channel.PHONE) for _ in range(n)]


def phone_count(report) -> int:
    return figures(report.table("received_channel")).get("Phone", [0])[-1]


def _page(client, manager) -> str:
    client.force_login(manager.user)
    response = client.get(reverse("reports:report", args=["flow"]), period_query())
    assert response.status_code == 200
    return response.content.decode()


def test_a_report_reads_the_standby_and_nothing_of_it_from_the_primary(standby, manager):
    phoned(2)
    standby.wait_for_replay()
    source = report_source()
    assert source.alias == REPLICA
    with (
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        report = build_report("flow", period(), user=manager.user, source=source)
    assert phone_count(report) == 2
    assert report.source == source
    assert len(on_primary) == 0
    assert any("enquiries_enquiry" in q["sql"] for q in on_replica)
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True


def test_the_figures_are_the_standbys_until_it_replays_the_primarys_writes(
    standby, manager, settings
):
    """The proof that a report reads the standby: what it has not replayed is not counted."""
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    phoned(1)
    standby.wait_for_replay()
    standby.pause_replay()
    phoned(2)  # committed on the primary, not replayed
    report = build_report("flow", period(), user=manager.user)
    assert report.source.alias == REPLICA
    assert phone_count(report) == 1
    standby.resume_replay()
    standby.wait_for_replay()
    assert phone_count(build_report("flow", period(), user=manager.user)) == 3


def test_the_page_api_and_csv_say_the_figures_are_as_of_the_standbys_time(
    standby, manager, client, api_client
):
    phoned(1)
    standby.wait_for_replay()
    page = _page(client, manager)
    assert re.search(r"Figures as of \d\d:\d\d:\d\d, from the read replica\.", page)
    api_client.force_authenticate(manager.user)
    response = api_client.get("/api/v1/reports/flow/", period_query())
    assert response["X-Report-Source"] == "replica"
    source = response.json()["read_from"]
    assert source["database"] == "replica"
    as_of = datetime.fromisoformat(source["as_of"])
    assert timezone.now() - timedelta(seconds=5) < as_of <= timezone.now()
    assert "X-Report-Fallback" not in response
    csv = client.get(reverse("reports:csv", args=["flow", "received_channel"]), period_query())
    assert csv["X-Report-Source"] == "replica"


def test_a_caught_up_standby_is_as_of_now_however_old_its_last_transaction(standby):
    standby.wait_for_replay()
    time.sleep(1.5)  # the last replayed transaction ages (unless the server is busy)
    status = measure_replica()
    assert status.reachable and status.lag_seconds < 1
    assert status.as_of > timezone.now() - timedelta(seconds=1)


def test_a_standby_too_far_behind_is_left_for_the_primary_which_the_report_says(
    standby, manager, client, api_client, settings
):
    settings.REPLICA_MAX_LAG_SECONDS = 1
    standby.wait_for_replay()
    standby.pause_replay()
    phoned(2)  # on the primary only
    time.sleep(2.2)
    page = _page(client, manager)
    found = re.search(r"Figures read from the main database: the replica is (\d+) s behind\.", page)
    assert found and int(found.group(1)) >= 2
    report = client.get(reverse("reports:report", args=["flow"]), period_query()).context["report"]
    assert report.source.alias == PRIMARY
    assert phone_count(report) == 2  # the primary's figures
    api_client.force_authenticate(manager.user)
    response = api_client.get("/api/v1/reports/flow/", period_query())
    assert response["X-Report-Source"] == "primary"
    assert re.fullmatch(r"the replica is \d+ s behind", response["X-Report-Fallback"])
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()["status"]) == (200, "degraded")
    check = ready.json()["checks"]["replica"]
    assert check["ok"] is False and check["lag_seconds"] >= 2
    assert check["max_lag_seconds"] == 1


def test_a_stopped_standby_is_left_for_the_primary_which_the_report_says(
    standby, manager, client, api_client
):
    phoned(1)
    standby.wait_for_replay()
    assert build_report("flow", period(), user=manager.user).source.alias == REPLICA
    standby.stop()
    started = time.monotonic()
    page = _page(client, manager)
    assert time.monotonic() - started < 10  # a refused connection, not a hang
    assert "Figures read from the main database: the replica is unreachable." in page
    api_client.force_authenticate(manager.user)
    response = api_client.get("/api/v1/reports/flow/", period_query())
    assert response.status_code == 200
    assert response["X-Report-Fallback"] == "the replica is unreachable"
    assert phone_count(build_report("flow", period(), user=manager.user)) == 1
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()["status"]) == (200, "degraded")
    assert ready.json()["checks"]["replica"]["detail"] == (
        "the replica is unreachable (OperationalError): reports read from the main database"
    )


def test_a_standby_that_fails_during_a_report_is_left_for_the_primary(
    standby, manager, monkeypatch
):
    phoned(1)
    standby.wait_for_replay()
    source = report_source()
    assert source.alias == REPLICA
    standby.stop()  # after the choice: the report's first query fails
    report = build_report("flow", period(), user=manager.user, source=source)
    assert report.source.alias == PRIMARY
    assert report.source.fallback == "the replica failed while reading (OperationalError)"
    assert phone_count(report) == 1


def test_readyz_shows_the_standbys_lag(standby, client):
    standby.wait_for_replay()
    response = client.get("/readyz")
    assert (response.status_code, response.json()["status"]) == (200, "ok")
    check = response.json()["checks"]["replica"]
    assert check["ok"] is True and check["detail"] == "ok"
    assert 0 <= check["lag_seconds"] < 60


def test_writes_never_go_to_the_standby(standby, manager):
    (made,) = phoned(1)
    standby.wait_for_replay()
    with reading_from(REPLICA):  # as inside a report on the standby
        loaded = Enquiry.objects.get(pk=made.pk)
        assert loaded._state.db == REPLICA
        loaded.subject = "Changed while reading the replica"
        loaded.save(update_fields=["subject"])
        Enquiry.objects.filter(pk=made.pk).update(asset_name="Updated too")
        also = enquiry(channel=Channel.EMAIL)
    assert loaded._state.db == PRIMARY
    on_primary = Enquiry.objects.get(pk=made.pk)
    assert (on_primary.subject, on_primary.asset_name) == (
        "Changed while reading the replica",
        "Updated too",
    )
    assert Enquiry.objects.filter(pk=also.pk).exists()
    # And the standby itself refuses a write, whatever asked it to.
    with pytest.raises(DatabaseError, match="read-only"), connections[REPLICA].cursor() as c:
        c.execute("UPDATE enquiries_enquiry SET subject = 'x'")
