"""The scheduler (docs/scheduler.md): each job runs once per slot however many nodes run
the scheduler, at its local time across the clock changes, not at all after a long outage
(the next slot comes), a failure recorded without stopping the others; and every real
job's command exists and runs."""

from datetime import datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from casework.models import ScheduledRun
from casework.scheduling import services
from casework.scheduling.jobs import Job, jobs
from tests.casework.test_concurrency import race, run_together

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def counting_job(name: str = "test", **when) -> tuple[Job, list]:
    calls: list = []
    return Job(name, call=lambda: calls.append(1), **when), calls


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (at(2026, 12, 7, 7, 16), at(2026, 12, 7, 7, 15)),  # just after its time
        (at(2026, 12, 7, 19, 0), at(2026, 12, 7, 7, 15)),  # later the same day
        (at(2026, 12, 7, 20, 0), None),  # more than 12 hours late: wait for tomorrow
        (at(2026, 12, 7, 7, 0), None),  # yesterday's was 23¾ hours ago
    ],
)
def test_a_daily_job_is_due_from_its_time_until_the_grace_runs_out(now, slot):
    job, _ = counting_job(at=time(7, 15))
    assert services.slot_due(job, now) == slot


def test_a_daily_job_keeps_its_local_time_across_the_clock_change():
    job, _ = counting_job(at=time(7, 15))
    before = services.slot_due(job, at(2026, 3, 28, 8, 0))  # GMT
    after = services.slot_due(job, at(2026, 3, 29, 8, 0))  # BST from 01:00 that day
    assert before.utcoffset().total_seconds() == 0 and before.hour == 7
    assert after.utcoffset().total_seconds() == 3600 and after.hour == 7
    # The morning after the change, before 07:15: yesterday's slot, in yesterday's offset.
    early = services.slot_due(job, at(2026, 3, 29, 6, 0))
    assert early is None or early.utcoffset().total_seconds() == 0


def test_each_slot_runs_once_whoever_ticks_and_however_often():
    job, calls = counting_job(at=time(7, 15))
    for node, minute in (("a:1", 16), ("b:2", 16), ("a:1", 45)):
        services.scheduler_tick(now=at(2026, 12, 7, 7, minute), node=node, only=[job])
    assert len(calls) == 1
    [run] = ScheduledRun.objects.all()
    assert (run.node, run.outcome) == ("a:1", ScheduledRun.Outcome.DONE)
    assert run.finished_at is not None
    services.scheduler_tick(now=at(2026, 12, 8, 7, 15), node="b:2", only=[job])
    assert len(calls) == 2 and ScheduledRun.objects.count() == 2


def test_an_interval_job_runs_once_per_interval():
    job, calls = counting_job("poll", every=300)
    for now in (at(2026, 12, 7, 10, 0, 10), at(2026, 12, 7, 10, 4, 59)):
        services.scheduler_tick(now=now, node="a:1", only=[job])
    assert len(calls) == 1
    services.scheduler_tick(now=at(2026, 12, 7, 10, 5, 1), node="b:2", only=[job])
    assert len(calls) == 2


def test_a_failing_job_is_recorded_and_the_others_still_run():
    def broken():
        raise ConnectionError("mail server down")

    failing = Job("failing", at=time(7, 15), call=broken)
    fine, calls = counting_job("fine", at=time(7, 20))
    made = services.scheduler_tick(now=at(2026, 12, 7, 7, 30), node="a:1", only=[failing, fine])
    assert [(r.job, r.outcome, r.error) for r in made] == [
        ("failing", "failed", "ConnectionError"),
        ("fine", "done", ""),
    ]
    assert calls == [1]


def test_jobs_that_need_what_is_not_configured_are_off(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MAIL_IMAP_MAILBOXES = [{"name": "desk"}]
    settings.MAIL_POLL_SECONDS = 120
    enabled = {job.name: job for job in jobs() if job.enabled()}
    assert enabled["fetch-mail"].every == 120 and "prune-task-results" in enabled
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MAIL_POLL_SECONDS = 0
    assert not {"fetch-mail", "prune-task-results"} & {j.name for j in jobs() if j.enabled()}


def test_a_job_that_is_not_configured_is_not_run():
    job = Job("off", every=60, call=lambda: pytest.fail("ran"), enabled=lambda: False)
    assert services.scheduler_tick(now=at(2026, 12, 7, 10, 0), node="a:1", only=[job]) == []


def test_every_real_job_runs_its_command(settings):
    """At 10:30 every daily job's time has come within the grace: each command is run for
    real (on an empty desk) and ends done; mail polling is off with no mailbox, and pruning
    finished tasks with tasks run at once (as in tests) rather than stored."""
    settings.MAIL_IMAP_MAILBOXES = []
    made = services.scheduler_tick(now=at(2026, 12, 7, 10, 30), node="a:1")
    outcomes = {run.job: run.outcome for run in made}
    expected = {job.name for job in jobs() if job.enabled()}
    assert set(outcomes) == expected
    assert not {"fetch-mail", "prune-task-results"} & set(outcomes)
    assert set(outcomes.values()) == {"done"}, outcomes


def test_the_command_runs_one_round_and_lists_the_jobs(time_machine):
    time_machine.move_to(at(2026, 12, 7, 7, 16), tick=False)
    out = StringIO()
    call_command("run_scheduler", "--list", stdout=out)
    assert "deadline-reminders: manage.py send_deadline_reminders, daily at 07:15" in (
        out.getvalue()
    )
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert "deadline-reminders for 2026-12-07 07:15: done" in out.getvalue()
    assert ScheduledRun.objects.filter(job="deadline-reminders").count() == 1
    call_command("run_scheduler", "--once", stdout=StringIO())
    assert ScheduledRun.objects.filter(job="deadline-reminders").count() == 1


@race
def test_two_nodes_ticking_at_the_same_moment_run_a_job_once():
    job, calls = counting_job(at=time(7, 15))
    now = at(2026, 12, 7, 7, 16)
    results = run_together(
        lambda: services.scheduler_tick(now=now, node="a:1", only=[job]),
        lambda: services.scheduler_tick(now=now, node="b:2", only=[job]),
    )
    assert not any(isinstance(result, Exception) for result in results), results
    assert len(calls) == 1 and ScheduledRun.objects.count() == 1
    assert sorted(len(result) for result in results) == [0, 1]
