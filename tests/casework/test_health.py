"""/healthz, /readyz and /metrics (casework/health/, docs/operations.md): no sign-in, no
personal data, /readyz rate-limited, /metrics only to allowed addresses or its token."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from casework.health import selectors
from config.metrics import REPORTS
from enquiries.mail.imap import mail_poll_record
from enquiries.models import Notification
from enquiries.services import tracking_link_create

pytestmark = pytest.mark.django_db

IMAP_MAILBOX = {
    "name": "desk",
    "host": "imap.example",
    "port": 993,
    "security": "ssl",
    "user": "desk",
    "password": "x",
    "folder": "INBOX",
    "done_folder": "Processed",
    "timeout": 5,
}


def ready_task(*, waited: timedelta) -> DBTaskResult:
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="enquiries.tasks.send_notification",
        backend_name="default",
        run_after=get_date_max(),  # as enqueued without a delay
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - waited)
    return task


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_readyz_is_ok_when_everything_is(client, submit):
    submit()
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert set(checks) == {"database", "cache", "task_queue", "mail_polling"}
    assert all(check["ok"] for check in checks.values())
    assert checks["database"]["ms"] >= 0
    assert checks["task_queue"]["ready"] == 0
    assert checks["mail_polling"] == {"ok": True, "detail": "not configured"}


def test_readyz_holds_no_personal_data(client, submit):
    enquiry = submit(email="ada.lovelace@example.org", contact_name="Ada Lovelace")
    text = client.get("/readyz").content.decode()
    for personal in ("ada.lovelace@example.org", "Ada Lovelace", enquiry.reference):
        assert personal not in text


def test_readyz_is_not_ready_when_the_oldest_ready_task_is_too_old(client, settings):
    settings.READY_MAX_TASK_AGE_SECONDS = 600
    ready_task(waited=timedelta(seconds=60))
    assert client.get("/readyz").status_code == 200

    ready_task(waited=timedelta(hours=1))
    response = client.get("/readyz")

    assert response.status_code == 503
    queue = response.json()["checks"]["task_queue"]
    assert queue["ok"] is False and queue["ready"] == 2
    assert queue["oldest_ready_age_seconds"] >= 3600


def test_a_deferred_retry_waits_from_its_run_after_not_its_enqueueing(client):
    task = ready_task(waited=timedelta(hours=2))
    DBTaskResult.objects.filter(pk=task.pk).update(run_after=timezone.now() - timedelta(seconds=30))
    assert client.get("/readyz").status_code == 200


def test_readyz_is_not_ready_when_the_cache_fails(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    cache = response.json()["checks"]["cache"]
    assert cache["ok"] is False and cache["detail"].startswith("failed: ")
    assert "127.0.0.1" not in response.content.decode()  # the error's text is not shown


def test_readyz_reports_a_database_fault_by_its_class_only(client, monkeypatch):
    def broken():
        raise RuntimeError("connection to server at db.internal (10.0.0.5) failed")

    monkeypatch.setattr(selectors.connection, "cursor", broken)
    check = selectors.database_check()
    assert check == {"ok": False, "detail": "failed: RuntimeError"}


def test_mail_polling_is_ready_only_while_the_mailboxes_are_read(client, settings):
    settings.MAIL_IMAP_MAILBOXES = [IMAP_MAILBOX]
    settings.READY_MAX_MAIL_POLL_AGE_SECONDS = 900

    never = client.get("/readyz")
    assert never.status_code == 503
    assert never.json()["checks"]["mail_polling"]["detail"] == "a mailbox has no poll recorded"

    mail_poll_record("desk", when=timezone.now() - timedelta(seconds=60))
    assert client.get("/readyz").status_code == 200

    mail_poll_record("desk", when=timezone.now() - timedelta(hours=1))
    late = client.get("/readyz")
    assert late.status_code == 503
    assert late.json()["checks"]["mail_polling"]["oldest_poll_age_seconds"] >= 3600


def test_a_good_round_of_fetching_records_the_poll(settings, monkeypatch):
    from enquiries.mail import imap

    settings.MAIL_IMAP_MAILBOXES = [IMAP_MAILBOX, {**IMAP_MAILBOX, "name": "planning"}]

    def fetch(mailbox, **kwargs):
        if mailbox["name"] == "planning":
            raise ConnectionRefusedError
        return imap.FetchResult(mailbox=mailbox["name"])

    monkeypatch.setattr(imap, "mailbox_fetch", fetch)
    imap.mail_fetch_all()
    polled = selectors.mail_last_polled()
    assert polled["desk"] is not None and polled["planning"] is None


def test_readyz_is_rate_limited_per_client(client, settings):
    settings.READYZ_RATE = "2/minute"
    assert client.get("/readyz").status_code == 200
    assert client.get("/readyz").status_code == 200
    refused = client.get("/readyz")
    assert refused.status_code == 429
    assert refused.json() == {"status": "rate limited"}
    assert refused["Retry-After"] == "60"
    assert client.get("/readyz", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_probes_take_only_reads(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
    assert client.post("/metrics").status_code == 405


# --- /metrics ----------------------------------------------------------------------------------


def test_metrics_are_hidden_from_other_addresses(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 404
    wrong = client.get(
        "/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer not-the-token"
    )
    assert wrong.status_code == 404


def test_no_token_is_accepted_when_none_is_set(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 404


def test_metrics_answer_the_token_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    response = client.get(
        "/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_metrics_answer_an_allowed_network(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.4.2").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_request_latency_is_labelled_by_view_never_by_path(client, submit):
    token = tracking_link_create(enquiry=submit(), covers_address=True)
    assert client.get(reverse("enquiries:track", args=[token])).status_code == 303
    client.get("/no-such-page-" + token)

    text = client.get("/metrics").content.decode()

    assert token not in text
    assert (
        'desk_request_duration_seconds_count{method="GET",status="3xx",view="enquiries:track"}'
        in text
    )
    assert 'view="<unmatched>"' in text


def test_the_task_gauges_reflect_the_table(client):
    ready_task(waited=timedelta(minutes=5))
    ready_task(waited=timedelta(minutes=1))
    DBTaskResult.objects.create(
        args_kwargs={},
        task_path="x.y",
        backend_name="default",
        status="FAILED",
        run_after=timezone.now(),
    )

    text = client.get("/metrics").content.decode()

    assert 'desk_tasks{state="ready"} 2.0' in text
    assert 'desk_tasks{state="failed"} 1.0' in text
    assert "desk_tasks_failed_total 1.0" in text
    age = next(
        float(line.split()[1])
        for line in text.splitlines()
        if line.startswith("desk_task_oldest_ready_age_seconds ")
    )
    assert 295 <= age <= 400
    assert "desk_metrics_database_up 1.0" in text


def test_emails_sent_are_counted_from_the_database(
    client, submit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit()  # its acknowledgement is sent once committed (tasks run at once here)
    sent = Notification.objects.get()
    Notification.objects.create(
        enquiry=sent.enquiry,
        kind=sent.kind,
        recipient=sent.recipient,
        dedupe_key="health-failing",
        last_error="SMTPServerDisconnected",
    )
    text = client.get("/metrics").content.decode()
    assert "desk_emails_sent_total 1.0" in text
    assert "desk_emails_failed 1.0" in text
    assert sent.recipient not in text


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="reports are refused for load only on PostgreSQL (an advisory lock); SQLite runs all",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_report_refused_for_load_is_counted(client, manager, settings):
    from django.db import connections

    from casework.reports.session import LOCK_CLASS
    from tests.casework.test_reports import period_query

    settings.REPORT_QUEUE_SECONDS = 0.3
    busy_before = REPORTS.labels(outcome="busy")._value.get()
    other = connections.create_connection("default")
    other.set_autocommit(False)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_CLASS])
        client.force_login(manager.user)
        page = client.get(reverse("reports:report", args=["flow"]), period_query())
    finally:
        other.rollback()
        other.close()

    assert page.status_code == 503
    assert REPORTS.labels(outcome="busy")._value.get() == busy_before + 1
    assert 'desk_reports_total{outcome="busy"}' in client.get("/metrics").content.decode()


def test_a_report_run_is_counted(client, manager):
    from tests.casework.test_reports import period_query

    before = REPORTS.labels(outcome="run")._value.get()
    client.force_login(manager.user)
    assert client.get(reverse("reports:report", args=["demand"]), period_query()).status_code == 200
    assert REPORTS.labels(outcome="run")._value.get() > before
