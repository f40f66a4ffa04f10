"""``manage.py receive_mail``: a mail server's pipe. Exit 0 when the message is stored or
deliberately set aside, 75 (EX_TEMPFAIL) when it could not be stored now, so the mail
server keeps it and tries again."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from enquiries.models import Enquiry, InboundMail
from tests.enquiries.mail_corpus import corpus, mail_desk  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mail_desk")]

ROOT = Path(__file__).resolve().parents[2]


def pipe(monkeypatch, raw: bytes) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    try:
        call_command("receive_mail", stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_a_stored_message_exits_0(monkeypatch):
    code, out = pipe(monkeypatch, corpus("plain"))

    assert code == 0 and out.strip() == "enquiry"
    assert Enquiry.objects.get().channel == "email"
    assert InboundMail.objects.get().source == "pipe"


def test_a_message_deliberately_dropped_exits_0(monkeypatch):
    code, out = pipe(monkeypatch, corpus("mailing_list"))

    assert code == 0 and out.strip() == "automatic"
    assert not Enquiry.objects.exists()


def test_a_redelivered_message_exits_0_and_is_stored_once(monkeypatch):
    pipe(monkeypatch, corpus("plain"))
    code, out = pipe(monkeypatch, corpus("plain"))

    assert code == 0 and out.strip() == "duplicate"
    assert Enquiry.objects.count() == 1


def test_an_unreadable_message_is_quarantined_and_exits_0(monkeypatch):
    code, out = pipe(monkeypatch, corpus("malformed_header"))

    assert code == 0 and out.strip() == "quarantined"


def test_nothing_on_standard_input_asks_for_a_retry(monkeypatch):
    code, _ = pipe(monkeypatch, b"")

    assert code == 75


def test_a_database_that_is_down_exits_75_so_the_mail_server_retries(closed_port):
    """A real process, with its database on a port where nothing listens."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://desk@127.0.0.1:{closed_port}/desk",
    }
    result = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, str(ROOT / "manage.py"), "receive_mail"],
        input=corpus("plain"),
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )

    assert result.returncode == 75, result.stderr.decode()[-2000:]
    assert b"try again later" in result.stderr
    assert b"clerk@" not in result.stderr  # nothing personal in the log
