"""A real IMAP server for tests: Debian's Dovecot (``dovecot-imapd``) in a throwaway
configuration on a loopback port, with a temporary mail directory and one test user.

``dovecot_server`` (session) starts it and stops it after the run; ``imap_mailbox``
(per test) empties the user's folders, points ``MAIL_IMAP_MAILBOXES`` at it and yields
a connected ``IMAPClient`` for the test to deliver (APPEND) and inspect messages.
Without Dovecot installed the tests are skipped locally and fail in CI (``CI`` set),
which installs it (``.ci/run``).
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import IMAPClient

USER, PASSWORD = "desk", "desk-test-password"
DONE = "Processed"


@dataclass(frozen=True)
class Dovecot:
    port: int
    directory: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _config(directory: Path, port: int) -> str:
    if os.geteuid() == 0:
        # Dovecot's own users, as the package created them: mail is never read as root.
        owner, users = "dovecot", ""
    else:
        # Unprivileged: every process runs as whoever runs the tests.
        owner = pwd.getpwuid(os.geteuid()).pw_name
        users = (
            f"default_internal_user = {owner}\n"
            f"default_login_user = {owner}\n"
            f"default_internal_group = {owner}\n"
        )
    return f"""
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{directory}/mail/%u
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {directory}/passwd
}}
userdb {{
  driver = static
  args = uid={owner} gid={owner} home={directory}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} CI must install it (apt-get install dovecot-imapd).")
    pytest.skip(f"{reason} Install Debian's dovecot-imapd to run the IMAP tests.")


class DovecotUnavailable(Exception):
    """Dovecot is not installed, or did not start; ``str()`` says why."""


def dovecot_binary() -> str | None:
    found = shutil.which("dovecot")
    if found is None and Path("/usr/sbin/dovecot").exists():
        found = "/usr/sbin/dovecot"
    return found


@contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """Dovecot in a throwaway directory on a free loopback port, stopped and removed
    afterwards (the tests' fixture and ``bench/mail_bench.py``)."""
    binary = dovecot_binary()
    if binary is None:
        raise DovecotUnavailable("Dovecot is not installed.")
    directory = Path(tempfile.mkdtemp(prefix="desk-dovecot-"))
    directory.chmod(0o755)  # Dovecot's mail processes run as its own user
    for sub in ("run", "state", "mail"):
        (directory / sub).mkdir()
    (directory / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    if os.geteuid() == 0:
        shutil.chown(directory / "mail", "dovecot", "dovecot")
    port = _free_port()
    config = directory / "dovecot.conf"
    config.write_text(_config(directory, port))
    try:
        # Dovecot daemonises: its output goes to a file, since the daemon would hold a
        # pipe open and a capture would wait for ever.
        with open(directory / "start.log", "wb") as log:
            started = subprocess.run(  # noqa: S603 (the dovecot binary found on PATH)
                [binary, "-c", str(config)], stdout=log, stderr=subprocess.STDOUT, check=False
            )
        if started.returncode != 0:
            output = (directory / "start.log").read_text(errors="replace")
            raise DovecotUnavailable(f"Dovecot did not start: {output.strip()}")
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    log_text = (directory / "dovecot.log").read_text(errors="replace")
                    raise DovecotUnavailable(
                        f"Dovecot is not listening on {port}: {log_text[-2000:]}"
                    ) from None
                time.sleep(0.1)
        yield Dovecot(port=port, directory=directory)
    finally:
        pid_file = directory / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        for _ in range(20):  # its children may still be leaving files behind
            shutil.rmtree(directory, ignore_errors=True)
            if not directory.exists():
                break
            time.sleep(0.1)


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    if dovecot_binary() is None:
        _unavailable("Dovecot is not installed.")
    try:
        with running_dovecot() as server:
            yield server
    except DovecotUnavailable as error:
        pytest.fail(str(error))


def connect(server: Dovecot) -> IMAPClient:
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=10)
    client.login(USER, PASSWORD)
    return client


def mailbox_settings(server: Dovecot, **overrides: object) -> dict[str, object]:
    return {
        "name": "desk",
        "host": "127.0.0.1",
        "port": server.port,
        "security": "none",
        "user": USER,
        "password": PASSWORD,
        "folder": "INBOX",
        "done_folder": DONE,
        "timeout": 10,
        **overrides,
    }


@pytest.fixture
def imap_mailbox(dovecot_server: Dovecot, settings) -> Iterator[IMAPClient]:
    """The test user's mailbox, emptied, with the desk pointed at it."""
    client = connect(dovecot_server)
    for folder in ("INBOX", DONE):
        if not client.folder_exists(folder):
            continue
        client.select_folder(folder)
        if uids := client.search(["ALL"]):
            client.delete_messages(uids)
            client.expunge()
        client.unselect_folder()
    settings.MAIL_IMAP_MAILBOXES = [mailbox_settings(dovecot_server)]
    try:
        yield client
    finally:
        client.logout()


def folder_count(client: IMAPClient, folder: str) -> int:
    if not client.folder_exists(folder):
        return 0
    return int(client.folder_status(folder, ["MESSAGES"])[b"MESSAGES"])
