"""A real PostgreSQL streaming standby for tests: a throwaway Debian cluster on a free port,
made from the running primary with ``pg_basebackup -R`` (docs/reports.md, "The read
replica").

``running_standby()`` (also ``python -m tests.replica`` by hand) needs root or the
``postgres`` user, Debian's postgresql-common (``pg_createcluster``) for the primary's
major version, and a primary on this machine. It creates the cluster
(``pg_createcluster <version> desk_standby_<pid> -p <port>``), replaces its data with a
base backup of the primary (``-R``: ``standby.signal`` and ``primary_conninfo``), starts
it, waits until it is in recovery and streaming, and stops and drops it afterwards.

The primary is not restarted and its settings are not changed: Debian's defaults already
allow streaming (``wal_level = replica``, ``max_wal_senders = 10``). Only if it refuses
a replication connection from 127.0.0.1 does this add one line to its ``pg_hba.conf``
for the test user (the same method as its other connections: ``trust`` without a
password), reload it (no restart), and take the line out again afterwards. No replication
slot is made, so nothing can hold back the primary's WAL if a run is killed; a standby
left behind by a killed run is dropped by the next.

``postgres_standby`` (session) starts one for the PostgreSQL tests that need it;
``replica_database`` (per module) points a ``replica`` database alias at the test
database on it, as ``DATABASE_REPLICA_URL`` would, with the replica router on.
"""

import os
import pwd
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

PREFIX = "desk_standby_"
HBA_MARK = "# desk tests: streaming standby (tests/replica.py)"
# Settings a hot standby must have at least as high as its primary.
AT_LEAST_PRIMARY = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


class StandbyUnavailable(Exception):
    """A standby cannot be made here; ``str()`` says why."""


@dataclass(frozen=True)
class Primary:
    host: str
    port: int
    user: str
    password: str = ""

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=dbname,
            autocommit=True,
            connect_timeout=5,
        )


@dataclass
class Standby:
    version: str
    name: str
    port: int
    primary: Primary

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.primary.user,
            password=self.primary.password or None,
            dbname=dbname,
            autocommit=True,
            connect_timeout=2,
        )

    def one(self, sql: str) -> Any:
        with self.connect() as conn:
            row = conn.execute(sql).fetchone()
            return row[0] if row else None

    def start(self, timeout: float = 60) -> None:
        _pg_ctlcluster(self.version, self.name, "start")
        self.wait_streaming(timeout)

    def stop(self) -> None:
        _pg_ctlcluster(self.version, self.name, "stop", "-m", "fast")

    def wait_streaming(self, timeout: float = 60) -> None:
        """Until it answers, is in recovery and its WAL receiver is streaming."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                with self.connect() as conn:
                    recovering, status = conn.execute(
                        "SELECT pg_is_in_recovery(), (SELECT status FROM pg_stat_wal_receiver)"
                    ).fetchone()
                if recovering and status == "streaming":
                    return
                last = f"in recovery: {recovering}, WAL receiver: {status}"
            except psycopg.OperationalError as error:
                last = str(error).strip()
            time.sleep(0.2)
        raise StandbyUnavailable(f"the standby did not start streaming: {last}\n{self.log()}")

    def wait_for_replay(self, timeout: float = 30) -> None:
        """Until the standby has replayed everything the primary has flushed so far."""
        with self.primary.connect() as conn:
            target = conn.execute("SELECT pg_current_wal_flush_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.connect() as conn:
                done = conn.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [str(target)]
                ).fetchone()[0]
            if done:
                return
            time.sleep(0.05)
        raise AssertionError(f"the standby did not replay up to {target} in {timeout} s")

    def pause_replay(self) -> None:
        with self.connect() as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
            for _ in range(100):
                state = conn.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0]
                if state == "paused":
                    return
                time.sleep(0.05)
        raise AssertionError("the standby did not pause its replay")

    def resume_replay(self) -> None:
        with self.connect() as conn:
            conn.execute("SELECT pg_wal_replay_resume()")

    def log(self) -> str:
        path = Path(f"/var/log/postgresql/postgresql-{self.version}-{self.name}.log")
        with suppress(OSError):
            return path.read_text(errors="replace")[-3000:]
        return ""


def _run(*command: str, as_postgres: bool = False) -> str:
    if as_postgres and os.geteuid() == 0:
        command = ("runuser", "-u", "postgres", "--", *command)
    done = subprocess.run(  # noqa: S603 (fixed commands of postgresql-common)
        command, capture_output=True, text=True, check=False, timeout=300
    )
    if done.returncode != 0:
        raise StandbyUnavailable(f"{' '.join(command)}: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def _pg_ctlcluster(version: str, name: str, *action: str) -> None:
    # No systemd here (containers, CI): pg_ctlcluster runs pg_ctl itself.
    _run("pg_ctlcluster", "--skip-systemctl-redirect", version, name, *action)


def _clusters() -> list[tuple[str, str, int]]:
    """(version, name, port) of every cluster on this machine."""
    found = []
    for line in _run("pg_lsclusters", "--no-header").splitlines():
        version, name, port, *_ = line.split()
        found.append((version, name, int(port)))
    return found


def _drop_cluster(version: str, name: str) -> None:
    with suppress(StandbyUnavailable):
        _pg_ctlcluster(version, name, "stop", "-m", "immediate")
    _run("pg_dropcluster", version, name)


def drop_leftovers() -> None:
    """Drop standbys of test runs that were killed before they could (their pid is gone)."""
    for version, name, _ in _clusters():
        if match := re.fullmatch(rf"{PREFIX}(\d+)", name):
            try:
                os.kill(int(match.group(1)), 0)
            except ProcessLookupError:
                _drop_cluster(version, name)
            except PermissionError:
                pass


def _free_port(taken: set[int]) -> int:
    for port in range(5433, 5533):
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise StandbyUnavailable("no free port between 5433 and 5532 for a standby")


def _replication_allowed(primary: Primary) -> bool:
    try:
        with psycopg.connect(
            host=primary.host,
            port=primary.port,
            user=primary.user,
            password=primary.password or None,
            replication="true",
            connect_timeout=5,
        ):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def _replication_from_loopback(primary: Primary) -> Iterator[None]:
    """Let the test user open a replication connection from 127.0.0.1 for as long as the
    standby runs: one pg_hba line and a reload, only if it is not allowed already."""
    if _replication_allowed(primary):
        yield
        return
    with primary.connect() as conn:
        hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
    method = "scram-sha-256" if primary.password else "trust"
    original = hba.read_text()
    line = f"host replication {primary.user} 127.0.0.1/32 {method} {HBA_MARK}\n"
    hba.write_text(original + ("" if original.endswith("\n") else "\n") + line)
    try:
        with primary.connect() as conn:
            conn.execute("SELECT pg_reload_conf()")
        for _ in range(50):
            if _replication_allowed(primary):
                break
            time.sleep(0.1)
        else:
            raise StandbyUnavailable(f"the primary still refuses replication after editing {hba}")
        yield
    finally:
        hba.write_text("".join(x for x in hba.read_text().splitlines(True) if HBA_MARK not in x))
        with primary.connect() as conn:
            conn.execute("SELECT pg_reload_conf()")


def _check_can_make(primary: Primary) -> str:
    """The primary's major version, or StandbyUnavailable saying what is missing."""
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "postgres":
        raise StandbyUnavailable("Making a standby cluster needs root or the postgres user.")
    if shutil.which("pg_createcluster") is None:
        raise StandbyUnavailable("Debian's postgresql-common (pg_createcluster) is missing.")
    if primary.host not in ("127.0.0.1", "localhost", "::1", ""):
        raise StandbyUnavailable(f"The primary ({primary.host}) is not on this machine.")
    with primary.connect() as conn:
        version_num = int(conn.execute("SHOW server_version_num").fetchone()[0])
    version = str(version_num // 10000)
    if not Path(f"/usr/lib/postgresql/{version}/bin/pg_basebackup").exists():
        raise StandbyUnavailable(f"PostgreSQL {version}'s server programs are not installed.")
    return version


@contextmanager
def running_standby(primary: Primary) -> Iterator[Standby]:
    """A streaming standby of ``primary``, dropped afterwards."""
    version = _check_can_make(primary)
    drop_leftovers()
    with primary.connect() as conn:
        options = [
            f"{name}={conn.execute(f'SHOW {name}').fetchone()[0]}" for name in AT_LEAST_PRIMARY
        ]
    name = f"{PREFIX}{os.getpid()}"
    port = _free_port({p for _, _, p in _clusters()})
    with primary.connect() as conn:
        hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
    with _replication_from_loopback(primary):
        _run(
            "pg_createcluster",
            version,
            name,
            "-p",
            str(port),
            *[arg for option in options for arg in ("-o", option)],
            "-o",
            "shared_buffers=32MB",
            "-o",
            "hot_standby=on",
            # A throwaway copy: no waiting on the disk (at start-up it would sync every file).
            "-o",
            "fsync=off",
            "--",
            "--no-sync",
        )
        standby = Standby(version=version, name=name, port=port, primary=primary)
        try:
            # Keep the directory initdb made (the postgres user's, mode 0700), emptied.
            data = Path(f"/var/lib/postgresql/{version}/{name}")
            for entry in data.iterdir():
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            _run(
                f"/usr/lib/postgresql/{version}/bin/pg_basebackup",
                "--host",
                primary.host or "127.0.0.1",
                "--port",
                str(primary.port),
                "--username",
                primary.user,
                "--pgdata",
                str(data),
                "--write-recovery-conf",
                "--wal-method=stream",
                "--checkpoint=fast",
                "--no-sync",
                as_postgres=True,
            )
            # The same client authentication as the primary (the new cluster's default
            # asks every TCP client for a password).
            shutil.copyfile(hba, Path(f"/etc/postgresql/{version}/{name}/pg_hba.conf"))
            standby.start()
            yield standby
        finally:
            _drop_cluster(version, name)


def _primary_from_settings(settings_dict: dict[str, Any]) -> Primary:
    return Primary(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=int(settings_dict["PORT"] or 5432),
        user=settings_dict["USER"] or "postgres",
        password=settings_dict["PASSWORD"] or "",
    )


@pytest.fixture(scope="session")
def postgres_standby(django_db_setup, django_db_blocker) -> Iterator[Standby]:
    """A streaming standby of the test database's server for the whole run (PostgreSQL
    only; skipped locally, failed in CI, when a standby cannot be made here)."""
    from django.db import connections

    if connections["default"].vendor != "postgresql":
        pytest.skip("A streaming standby needs PostgreSQL (DATABASE_URL).")
    primary = _primary_from_settings(connections["default"].settings_dict)
    try:
        with django_db_blocker.unblock(), running_standby(primary) as standby:
            yield standby
    except StandbyUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"No streaming standby for the replica tests: {error}")
        pytest.skip(f"No streaming standby for the replica tests: {error}")


@pytest.fixture(scope="module")
def replica_database(postgres_standby: Standby) -> Iterator[Standby]:
    """The ``replica`` alias and the replica router, as ``DATABASE_REPLICA_URL`` makes
    them (config/settings.py): the test database's name on the standby's port, a test
    mirror of ``default`` (never created or flushed: the primary's flush replicates).
    Module-scoped, so that they exist before a test's database set-up checks its
    ``databases``, and are gone for the tests of other modules."""
    from django.conf import settings
    from django.db import connections
    from django.test import override_settings

    from config.replica import REPLICA, forget_replica_status

    default = connections["default"].settings_dict
    settings.DATABASES[REPLICA] = {
        **default,
        "HOST": "127.0.0.1",
        "PORT": str(postgres_standby.port),
        "OPTIONS": {**default["OPTIONS"], "connect_timeout": 2},
        "TEST": {**default["TEST"], "MIRROR": "default"},
    }
    routers = override_settings(DATABASE_ROUTERS=["config.replica.ReplicaRouter"])
    routers.enable()
    try:
        yield postgres_standby
    finally:
        routers.disable()
        connections[REPLICA].close()
        with suppress(AttributeError):
            del connections[REPLICA]
        del settings.DATABASES[REPLICA]
        forget_replica_status()


if __name__ == "__main__":  # pragma: no cover (by hand: a standby until Ctrl-C)
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    import dj_database_url

    with running_standby(_primary_from_settings(dj_database_url.parse(url))) as made:
        print(f"standby {made.version}/{made.name} streaming on 127.0.0.1:{made.port}")
        print(f"DATABASE_REPLICA_URL=postgres://{made.primary.user}@127.0.0.1:{made.port}/...")
        with suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
