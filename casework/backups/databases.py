"""The database half of a backup, per vendor: SQLite's online backup API, PostgreSQL's
``pg_dump``/``pg_restore``.

PostgreSQL's tools get the connection settings through ``PG*`` environment variables, never
on the command line, where any user of the machine could read the password (``ps``).
"""

import contextlib
import os
import shutil
import sqlite3
import subprocess  # noqa: S404  # pg_dump and pg_restore, with fixed arguments
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
FILES = {"sqlite": SQLITE_FILE, "postgresql": POSTGRES_FILE}


class DatabaseToolError(Exception):
    """A database tool failed, or the database is not one we back up."""


def settings_for(database_url: str | None) -> dict[str, Any]:
    """The connection settings of ``database_url``, or of the configured default database."""
    if database_url is None:
        return dict(connections["default"].settings_dict)
    return dict(dj_database_url.parse(database_url))


@contextlib.contextmanager
def opened(settings_dict: dict[str, Any]) -> Iterator[BaseDatabaseWrapper]:
    """A connection of its own to the database ``settings_dict`` describes, closed after.

    Its own, so that a backup or a check reads committed data whatever transaction the
    caller is in, and a restore can check a database other than ``default``.
    """
    alias = f"backup_{uuid.uuid4().hex[:8]}"
    # configure_settings fills in every key Django expects (and insists on a "default").
    configured = connections.configure_settings(
        {"default": {"ENGINE": "django.db.backends.dummy"}, alias: {**settings_dict}}
    )
    wrapper = load_backend(configured[alias]["ENGINE"]).DatabaseWrapper(configured[alias], alias)
    # Known to the handler while open: django.contrib.postgres looks a new connection up by
    # its alias. This thread only; taken out again after.
    connections[alias] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        del connections[alias]


def vendor_of(settings_dict: dict[str, Any]) -> str:
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise DatabaseToolError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def postgres_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The environment ``pg_dump``/``pg_restore`` connect with (the password included)."""
    env = dict(os.environ)
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def _run(tool: str, arguments: list[str], *, env: dict[str, str]) -> None:
    executable = shutil.which(tool)
    if executable is None:
        raise DatabaseToolError(
            f"{tool} is not installed (Debian: postgresql-client-15, matching the server)."
        )
    done = subprocess.run(  # noqa: S603  # fixed arguments; settings come in through env
        [executable, *arguments], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        # The tools' messages name objects and settings, never rows' contents.
        raise DatabaseToolError(f"{tool} failed ({done.returncode}): {done.stderr.strip()}")


def pg_dump(settings_dict: dict[str, Any], target: Path, *, snapshot: str) -> None:
    """Dump in the custom format, from ``snapshot`` (what the manifest's counts saw)."""
    _run(
        "pg_dump",
        ["--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
        env=postgres_env(settings_dict),
    )


def pg_dump_readable(dump: Path) -> None:
    """``pg_restore --list`` reads the dump's table of contents without a database."""
    _run("pg_restore", ["--list", str(dump)], env=dict(os.environ))


def pg_restore(settings_dict: dict[str, Any], dump: Path) -> None:
    """Restore into the database ``settings_dict`` names, in one transaction: a failure
    leaves it as it was. ``--dbname=postgresql://`` makes pg_restore connect, with every
    setting taken from the environment."""
    _run(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            "--dbname=postgresql://",
            str(dump),
        ],
        env=postgres_env(settings_dict),
    )


def sqlite_backup(source: sqlite3.Connection, target: Path) -> None:
    """Copy a live SQLite database with the online backup API: one consistent snapshot,
    taken while the desk runs (WAL lets writers go on). The copy is made self-contained
    (rollback journal, no ``-wal`` file beside it)."""
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()


def sqlite_restore(backup_file: Path, target: Path) -> None:
    """Write the backup into ``target`` through SQLite's backup API, page by page under the
    target's own lock (a plain copy beside a stale ``-wal`` file would corrupt it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{backup_file}?immutable=1", uri=True)
    destination = sqlite3.connect(target, timeout=20)
    try:
        source.backup(destination)
    except sqlite3.OperationalError as error:
        raise DatabaseToolError(f"Could not write the SQLite database: {error}.") from error
    finally:
        destination.close()
        source.close()


def sqlite_settings(path: Path) -> dict[str, Any]:
    """Settings to read a backup's database file with Django (counts and migrations)."""
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
