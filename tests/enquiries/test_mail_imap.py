"""Mail in from a real IMAP server: Debian's Dovecot, started for the run
(``tests/imap.py``). Messages are delivered into it with APPEND, then fetched by the
desk's own code (``manage.py fetch_mail``, ``enquiries.mail.imap``)."""

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from enquiries.mail import imap
from enquiries.management.commands.run_worker import fetch_mail_periodically
from enquiries.models import Enquiry, InboundMail, Message
from tests.enquiries.mail_corpus import corpus, mail_desk  # noqa: F401
from tests.enquiries.test_mail_in import big_message
from tests.enquiries.test_tasks import (  # noqa: F401 (fixtures)
    _restore_signal_handlers,
    database_tasks,
    worker_db,
)
from tests.imap import DONE, PASSWORD, USER, folder_count, mailbox_settings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mail_desk")]

Outcome = InboundMail.Outcome
ROOT = Path(__file__).resolve().parents[2]


def deliver(client, *messages: bytes) -> None:
    for raw in messages:
        client.append("INBOX", raw)


def fetch() -> str:
    out = io.StringIO()
    call_command("fetch_mail", stdout=out)
    return out.getvalue()


def test_fetch_mail_stores_each_message_then_moves_it(imap_mailbox, submit):
    enquiry = submit(email="clerk@ashby-parish.example")
    deliver(
        imap_mailbox,
        corpus("plain"),
        corpus("reply_subject_only", enquiry),
        corpus("mailing_list"),
        corpus("attachments"),
    )

    output = fetch()

    assert "desk: 4 message(s)" in output
    assert folder_count(imap_mailbox, "INBOX") == 0
    assert folder_count(imap_mailbox, DONE) == 4
    outcomes = sorted(InboundMail.objects.values_list("outcome", flat=True))
    assert outcomes == sorted([Outcome.ENQUIRY, Outcome.REPLY, Outcome.AUTOMATIC, Outcome.ENQUIRY])
    assert Message.objects.get(enquiry=enquiry).channel == Message.Channel.EMAIL
    assert Enquiry.objects.filter(channel="email").count() == 2
    # Reading marked nothing as seen: the mailbox's own users can still tell.
    imap_mailbox.select_folder(DONE, readonly=True)
    flags = imap_mailbox.get_flags(imap_mailbox.search(["ALL"]))
    assert all(b"\\Seen" not in f for f in flags.values())


def test_a_crash_between_commit_and_move_rereads_harmlessly(imap_mailbox, monkeypatch):
    deliver(imap_mailbox, corpus("plain"))

    class Killed(BaseException):
        """Stands for the fetcher dying after the commit, before the IMAP move."""

    def die(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(imap, "_move", die)
    with pytest.raises(Killed):
        imap.mail_fetch_all()
    assert Enquiry.objects.count() == 1  # committed
    assert folder_count(imap_mailbox, "INBOX") == 1  # never moved

    monkeypatch.undo()
    results = imap.mail_fetch_all()

    assert results[0].outcomes == {"duplicate": 1}
    assert Enquiry.objects.count() == 1 and InboundMail.objects.count() == 1
    assert folder_count(imap_mailbox, "INBOX") == 0
    assert folder_count(imap_mailbox, DONE) == 1


def test_a_database_fault_leaves_the_message_for_the_next_round(imap_mailbox, monkeypatch):
    deliver(imap_mailbox, corpus("plain"), corpus("html_only"))
    real = imap.mail_receive
    calls = []

    def second_fails(raw, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            from django.db import OperationalError

            raise OperationalError("database is locked")
        return real(raw, **kwargs)

    monkeypatch.setattr(imap, "mail_receive", second_fails)
    results = imap.mail_fetch_all()

    assert results[0].error == "OperationalError"
    assert folder_count(imap_mailbox, "INBOX") == 1  # the one not stored stays
    assert folder_count(imap_mailbox, DONE) == 1

    monkeypatch.undo()
    imap.mail_fetch_all()
    assert Enquiry.objects.count() == 2
    assert folder_count(imap_mailbox, "INBOX") == 0


def test_an_oversize_message_is_quarantined_and_moved(imap_mailbox):
    deliver(imap_mailbox, big_message(30))

    fetch()

    inbound = InboundMail.objects.get()
    assert inbound.outcome == Outcome.QUARANTINED and inbound.size > 30 * 1024 * 1024
    assert folder_count(imap_mailbox, DONE) == 1


def test_one_unreachable_mailbox_does_not_stop_the_others(
    imap_mailbox, dovecot_server, settings, closed_port
):
    settings.MAIL_IMAP_MAILBOXES = [
        mailbox_settings(dovecot_server, name="broken", port=closed_port),
        mailbox_settings(dovecot_server, name="desk"),
    ]
    deliver(imap_mailbox, corpus("plain"))
    err = io.StringIO()

    with pytest.raises(CommandError, match="could not be read"):
        call_command("fetch_mail", stdout=io.StringIO(), stderr=err)

    assert "broken: could not be read (ConnectionRefusedError)" in err.getvalue()
    assert Enquiry.objects.count() == 1


def test_a_wrong_password_is_reported(imap_mailbox, dovecot_server, settings):
    settings.MAIL_IMAP_MAILBOXES = [mailbox_settings(dovecot_server, password="wrong")]

    results = imap.mail_fetch_all()

    assert results[0].error == "LoginError"


def test_with_no_mailbox_configured_nothing_polls(settings):
    settings.MAIL_IMAP_MAILBOXES = []

    assert "nothing to fetch" in fetch()
    assert imap.mail_fetch_all() == []


@worker_db
def test_the_mail_poller_reads_the_mailboxes_until_stopped(imap_mailbox):
    """The body of the worker's mail thread: a round now, then one every interval."""
    deliver(imap_mailbox, corpus("plain"))
    stop = threading.Event()
    poller = threading.Thread(target=fetch_mail_periodically, args=(0.05, stop))
    poller.start()
    try:
        deadline = time.monotonic() + 10
        while folder_count(imap_mailbox, DONE) < 1:
            assert time.monotonic() < deadline, "the poller did not read the mailbox"
            time.sleep(0.05)
        deliver(imap_mailbox, corpus("html_only"))  # the next round reads this one
        while folder_count(imap_mailbox, DONE) < 2:
            assert time.monotonic() < deadline, "the poller did not come round again"
            time.sleep(0.05)
    finally:
        stop.set()
        poller.join(timeout=10)
    assert not poller.is_alive()
    assert Enquiry.objects.filter(channel="email").count() == 2


@pytest.mark.parametrize(
    ("options", "mailboxes", "started"),
    [
        (["--fetch-mail-every=0.05"], True, True),
        ([], True, True),  # every MAIL_POLL_SECONDS
        (["--fetch-mail-every=0"], True, False),
        ([], False, False),  # nothing configured: nothing polls
    ],
)
@pytest.mark.usefixtures("database_tasks")
def test_run_worker_starts_the_mail_poller_only_with_mailboxes(
    monkeypatch, settings, options, mailboxes, started
):
    from enquiries.management.commands import run_worker
    from tests.imap import Dovecot

    settings.MAIL_IMAP_MAILBOXES = (
        [mailbox_settings(Dovecot(port=1, directory=None))] if mailboxes else []  # type: ignore[arg-type]
    )
    calls = []
    monkeypatch.setattr(
        run_worker, "fetch_mail_periodically", lambda every, stop: calls.append(every)
    )
    monkeypatch.setattr(run_worker.DatabaseWorkerCommand, "handle", lambda *a, **k: None)

    call_command("run_worker", *options, "--no-reload", "--reap-every=0", verbosity=0)

    expected = (
        [0.05] if "--fetch-mail-every=0.05" in options else [float(settings.MAIL_POLL_SECONDS)]
    )
    assert calls == (expected if started else [])


KILLED_FETCHER = """
import os, signal
import django
django.setup()
from enquiries.mail import imap
# Killed outright once the message is stored and committed, before it is moved.
imap._move = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
imap.mail_fetch_all()
"""


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a second process sees the test database only on PostgreSQL",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_fetcher_killed_after_the_commit_loses_nothing_and_stores_once(
    imap_mailbox, dovecot_server
):
    deliver(imap_mailbox, corpus("plain"))
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "MAIL_IMAP_HOST": "127.0.0.1",
        "MAIL_IMAP_PORT": str(dovecot_server.port),
        "MAIL_IMAP_SECURITY": "none",
        "MAIL_IMAP_USER": USER,
        "MAIL_IMAP_PASSWORD": PASSWORD,
        "MAIL_REPLY_ADDRESS": "desk@desk.example",
        "MAIL_DATE_MAX_AGE_DAYS": "100000",
    }

    killed = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", KILLED_FETCHER], env=env, cwd=ROOT, capture_output=True, timeout=60
    )

    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    assert Enquiry.objects.count() == 1  # stored and committed before the kill
    assert folder_count(imap_mailbox, "INBOX") == 1  # but never moved

    [again] = imap.mail_fetch_all()

    assert again.outcomes == {"duplicate": 1}
    assert Enquiry.objects.count() == 1 and InboundMail.objects.count() == 1
    assert folder_count(imap_mailbox, "INBOX") == 0 and folder_count(imap_mailbox, DONE) == 1
