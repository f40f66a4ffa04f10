"""send_deadline_reminders: one email per deadline (due soon, then passed), never twice."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from casework.cases.services import outcome_record
from casework.clocks import services as clocks_services
from casework.enquiry import services as enquiry_services
from enquiries.models import Notification, Status
from tests.casework.test_concurrency import run_together
from tests.factories import EnquiryFactory

NOTICE = "disposal-notice-received"


def run(today=None) -> str:
    out = StringIO()
    args = ["--today", today.isoformat()] if today else []
    call_command("send_deadline_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_one_email_per_deadline_due_soon_and_a_second_run_sends_nothing(
    mine, adviser, smtp_server, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    # Interim moratorium: 6 weeks beginning with the notice day -> ends in 3 days.
    clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=today - timedelta(days=38), actor=adviser.user
    )
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "1 deadline reminder(s) queued." in run()
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == [adviser.user.email]
    assert message["Subject"] == (
        f"[{mine.reference}] Deadline in 3 days: Interim moratorium: last day for a community "
        "interest group to ask in writing to be treated as a potential bidder"
    )
    body = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Localism Act 2011 s.95(6)" in body and mine.reference in body
    assert "Localism Act 2011 s.95(6)" in html and mine.reference in html
    assert f"/desk/enquiries/{mine.reference}/" in body
    # Nothing about the group beyond the reference: no contact name, email or phone.
    for private in (mine.contact.name, mine.contact.email, mine.contact.phone):
        assert private not in body
    with django_capture_on_commit_callbacks(execute=True):
        assert "0 deadline reminder(s) queued." in run()
    assert len(smtp_server.messages) == 1
    assert Notification.objects.filter(kind=Notification.Kind.DEADLINE_REMINDER).count() == 1


@pytest.mark.django_db
def test_a_deadline_is_reminded_once_when_due_and_once_when_passed(
    mine, adviser, smtp_server, django_capture_on_commit_callbacks
):
    clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user
    )
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run(date(2026, 4, 10))  # interim moratorium ends 12 April: due in 2 days
        run(date(2026, 4, 11))
    subjects = [m["Subject"] for _, m in smtp_server.messages]
    assert len(subjects) == 1 and "Deadline in 2 days" in subjects[0]
    with django_capture_on_commit_callbacks(execute=True):
        run(date(2026, 4, 13))
        run(date(2026, 4, 20))
    subjects = [m["Subject"] for _, m in smtp_server.messages]
    assert len(subjects) == 2
    assert "Deadline passed on 12 April 2026" in subjects[1]
    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert {k.rsplit(":", 1)[1] for k in keys if k.startswith("deadline:")} == {"due", "passed"}


@pytest.mark.django_db
def test_later_deadlines_closed_and_unassigned_enquiries_get_no_email(
    mine, adviser, manager, submit, topics, smtp_server, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    unassigned = EnquiryFactory(topic=topics["right-to-bid"])
    clocks_services.key_date_record(
        enquiry=unassigned, trigger=NOTICE, date=date(2026, 3, 2), actor=manager.user
    )
    clocks_services.key_date_record(enquiry=mine, trigger=NOTICE, date=today, actor=adviser.user)
    closed = submit(subject="Closed one")
    clocks_services.key_date_record(
        enquiry=closed, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user
    )
    outcome_record(enquiry=closed, code="signposted", is_closing=True, actor=adviser.user)
    enquiry_services.enquiry_set_status(enquiry=closed, status=Status.CLOSED, actor=adviser.user)
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "0 deadline reminder(s) queued." in run()  # mine: 6 weeks away at the soonest
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_malformed_date_option_is_refused():
    with pytest.raises(CommandError):
        call_command("send_deadline_reminders", "--today", "tomorrow")


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_the_same_moment_send_each_email_once(mine, adviser, smtp_server):
    clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user
    )
    smtp_server.messages.clear()
    day = date(2026, 9, 2)  # interim and full moratorium passed; protected period later
    results = run_together(
        lambda: clocks_services.deadline_reminders_send(today=day),
        lambda: clocks_services.deadline_reminders_send(today=day),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(results) in ([0, 2], [1, 1])
    assert len(smtp_server.messages) == 2
    assert len({m["Subject"] for _, m in smtp_server.messages}) == 2


@pytest.mark.django_db
def test_a_passed_deadline_with_an_outcome_since_its_key_date_is_not_reminded(
    mine, adviser, smtp_server, django_capture_on_commit_callbacks
):
    clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user
    )
    # The group asked to be treated as a bidder in time: the clock was dealt with.
    outcome_record(enquiry=mine, code="request_to_bid", actor=adviser.user)
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run(date(2026, 4, 10))  # interim moratorium due in 2 days: still reminded
        run(date(2026, 4, 13))  # passed, but an outcome was recorded: no "passed" email
    subjects = [m["Subject"] for _, m in smtp_server.messages]
    assert len(subjects) == 1 and "Deadline in 2 days" in subjects[0]
