"""Fixtures for the deployment tests: two app nodes on one shared database behind nginx
(``cluster``), started once for the module and stopped afterwards, also when a test or
the start-up fails.

The nodes share a copy of the suite's migrated test database: a file (SQLite, through
SQLite's online backup) or a database made from it as a template (PostgreSQL), dropped
afterwards. What the nodes write never reaches the rest of the suite.
"""

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from tests.deploy.cluster import Node, Proxy, Unavailable, binary, free_port, stop_all

USERNAME, PASSWORD = "node.adviser", "correct horse battery staple"
# Low, so that the tests reach them; per day, so that no window ends during a run.
INTAKE_RATE = "4/day"
ATTACHMENT_MAX_MB = 10


@dataclass
class Cluster:
    proxy: Proxy
    nodes: list[Node]
    directory: Path


def missing(name: str, package: str) -> None:
    reason = f"{name} is not installed: apt-get install {package}."
    if os.environ.get("CI"):
        pytest.fail(f"{reason} CI must install it (.ci/run).")
    pytest.skip(reason)


def _postgres_params(settings: dict, dbname: str) -> dict:
    return {
        "dbname": dbname,
        "user": settings["USER"] or None,
        "password": settings["PASSWORD"] or None,
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        "autocommit": True,
    }


def _sqlite_copy(connection, target: Path) -> str:
    import sqlite3

    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    copy.close()
    return f"sqlite:///{target}"


def _postgres_copy(connection) -> tuple[str, str]:
    settings = connection.settings_dict
    source, copy = settings["NAME"], f"{settings['NAME']}_nodes"
    connection.close()  # a template must have no one connected
    with psycopg.connect(**_postgres_params(settings, "postgres")) as admin:
        # Connections a finished test's thread may have left behind: the database is the
        # suite's throwaway one.
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [source],
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    credentials = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"], safe="")
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{copy}", copy


def _postgres_drop(connection, name: str) -> None:
    with psycopg.connect(**_postgres_params(connection.settings_dict, "postgres")) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def shared_database(django_db_setup, django_db_blocker, deploy_directory) -> Iterator[str]:
    """The nodes' DATABASE_URL: a copy of the test database with a staff user in it."""
    from django.contrib.auth.models import User
    from django.db import connection

    dropped = None
    name = connection.settings_dict["NAME"]
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if not (name.startswith("test_") or in_memory):
        # The tests must be marked django_db, or pytest-django makes no test database.
        pytest.fail(f"Not a test database: {name}")
    with django_db_blocker.unblock():
        user = User.objects.create_user(USERNAME, password=PASSWORD, is_staff=True)
        try:
            if connection.vendor == "sqlite":
                url = _sqlite_copy(connection, deploy_directory / "desk.sqlite3")
            elif connection.vendor == "postgresql":
                url, dropped = _postgres_copy(connection)
            else:
                pytest.skip(f"No shared copy of a {connection.vendor} database for the nodes.")
        finally:
            user.delete()
    try:
        yield url
    finally:
        if dropped:
            with django_db_blocker.unblock():
                _postgres_drop(connection, dropped)


@pytest.fixture(scope="module")
def deploy_directory() -> Iterator[Path]:
    # Not pytest's tmp_path: nginx's workers (nobody, when the tests run as root) must
    # reach their temporary folders in it.
    directory = Path(tempfile.mkdtemp(prefix="desk-deploy-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _node_env(database_url: str, directory: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MAIL_IMAP_", "DJANGO_", "GUNICORN_", "TASK_", "DATABASE_"))
        and key not in {"REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "WEB_CONCURRENCY"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.deploy.node_settings",
            "DATABASE_URL": database_url,
            "TASK_BACKEND": "immediate",
            # What docs/deploy.md asks of every node: one SECRET_KEY, one MEDIA_ROOT, and
            # trust in exactly one proxy that terminates TLS.
            "SECRET_KEY": "deploy-tests-shared-secret-key-not-for-production",
            "MEDIA_ROOT": str(directory / "media"),
            "DESK_VAR_DIR": str(directory / "var"),
            "NUM_PROXIES": "1",
            "BEHIND_TLS_PROXY": "1",
            "SECURE_SSL_REDIRECT": "1",
            "ALLOWED_HOSTS": "desk.test",
            "THROTTLE_ENQUIRY_INTAKE": INTAKE_RATE,
            "ATTACHMENT_MAX_MB": str(ATTACHMENT_MAX_MB),
            "LOG_FORMAT": "plain",
            "LOG_LEVEL": "INFO",
            # One process of a few threads a node: the machine's cores are shared.
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@pytest.fixture(scope="module")
def cluster(shared_database, deploy_directory) -> Iterator[Cluster]:
    nginx, openssl = binary("nginx"), binary("openssl")
    if nginx is None:
        missing("nginx", "nginx")
    if openssl is None:
        missing("openssl", "openssl")
    assert nginx and openssl
    env = _node_env(shared_database, deploy_directory)
    nodes = [Node(name, free_port(), env, deploy_directory / f"node-{name}.log") for name in "ab"]
    proxy = Proxy(deploy_directory, nodes)
    try:
        for node in nodes:
            node.start()  # both at once: each takes seconds to load the desk
        for node in nodes:
            node.wait_until_healthy()
        proxy.start(nginx, proxy.configure(openssl, ATTACHMENT_MAX_MB))
        yield Cluster(proxy, nodes, deploy_directory)
    except Unavailable as error:
        pytest.fail(str(error))
    finally:
        # nginx's fast shutdown (TERM), gunicorn's quick one (QUIT): nothing is in flight,
        # and what has not gone in a few seconds is killed.
        stop_all([proxy.process], signal.SIGTERM, wait=5)
        stop_all([node.process for node in nodes], signal.SIGQUIT, wait=3)


@pytest.fixture
def nodes_up(cluster) -> Cluster:
    """Both nodes running (a test before may have killed one)."""
    for node in cluster.nodes:
        if not node.alive():
            node.start()
            node.wait_until_healthy()
    return cluster
