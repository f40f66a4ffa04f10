"""Scale-out: the desk behind nginx with one and two app nodes, workers, a streaming
replica for reports, under mixed traffic, with faults injected; then "nothing lost,
nothing twice" checked in the database and the mail that arrived.

    .venv/bin/python bench/scaleout_bench.py --db desk_scale --reuse      # a seeded database
    .venv/bin/python bench/scaleout_bench.py --enquiries 100000 --drop    # seed one first

Everything listens on 127.0.0.1 only and stops by itself: each phase runs for
``--seconds`` with bounded request loops. It needs root (the standby cluster is made
with Debian's pg_createcluster, and the primary is restarted as a fault), nginx, and
PostgreSQL 15 on 127.0.0.1:5432. The figures go into docs/performance.md ("Scale-out");
the raw results to bench/results/scaleout-<time>.json.

Phases:
1. one app node behind the proxy, mixed traffic;
2. two app nodes, the same traffic;
3. two nodes, the same traffic and a bulk letter batch of ``--batch`` letters, with
   faults: an app node killed, a worker killed mid-batch, the replica stopped, the
   primary PostgreSQL restarted. Then the workers drain the queue and the checks run.
"""

import argparse
import contextlib
import json
import logging
import os
import random
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import run_bench  # noqa: E402
from httpclient import Client  # noqa: E402
from scenarios import MANAGER, PASSWORD, api_body, form_fields  # noqa: E402

from tests import replica as standby  # noqa: E402
from tests.deploy import cluster as proxy  # noqa: E402

ROOT = run_bench.ROOT
HOST = run_bench.HOST
RESULTS = ROOT / "bench" / "results"
REPORT_PATHS = [
    f"/reports/{name}/?period=last_12_months&bucket=month"
    for name in ("flow", "outcomes", "demand")
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="desk_scale")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--enquiries", type=int, default=0, help="seed this many first")
    parser.add_argument("--reuse", action="store_true", help="use the seeded --db as it is")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--seconds", type=int, default=60, help="length of each phase")
    parser.add_argument("--batch", type=int, default=500, help="letters in the bulk batch")
    parser.add_argument("--workers", type=int, default=2, help="task workers")
    parser.add_argument("--node-ports", default="8781,8782")
    parser.add_argument("--no-faults", action="store_true")
    return parser.parse_args()


SITE = {"tls": None}  # the proxy's TLS context, set once nginx has its certificate


def web(port: int) -> Client:
    """A client of the desk through the proxy (HTTPS, as desk.test)."""
    return Client(HOST, port, tls=SITE["tls"], server_name=proxy.SERVER_NAME)


# --- the processes -------------------------------------------------------------------------------


@dataclass
class Desk:
    """The processes of a two-node installation on this machine: gunicorn nodes and nginx
    as tests/deploy runs them (the shipped deploy/nginx-desk.conf), and task workers."""

    env: dict
    workdir: Path
    node_ports: list[int]
    nodes: dict[int, proxy.Node] = field(default_factory=dict)
    workers: list[subprocess.Popen] = field(default_factory=list)
    nginx: proxy.Proxy | None = None

    @property
    def proxy_port(self) -> int:
        assert self.nginx is not None
        return self.nginx.https_port

    def start_node(self, port: int) -> None:
        node = proxy.Node(f"node-{port}", port, self.env, self.workdir / f"node-{port}.log")
        node.start()
        node.wait_until_healthy(90)
        self.nodes[port] = node

    def kill_node(self, port: int) -> None:
        self.nodes.pop(port).kill()

    def start_worker(self) -> subprocess.Popen:
        n = len(self.workers)
        handle = (self.workdir / f"worker-{n}.log").open("w")
        process = subprocess.Popen(
            [run_bench.PYTHON, "manage.py", "run_worker", "--interval", "0.2"],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(process)
        return process

    def start_proxy(self, ports: list[int]) -> None:
        """nginx in front of the nodes on ``ports``, on the same HTTPS port each time."""
        https_port = self.nginx.https_port if self.nginx else proxy.free_port()
        self.stop_proxy()
        directory = self.workdir / f"nginx-{len(ports)}"
        directory.mkdir()
        self.nginx = proxy.Proxy(
            directory, [self.nodes[p] for p in ports if p in self.nodes], https_port=https_port
        )
        for p in ports:  # a node not started yet still gets its upstream line
            if p not in self.nodes:
                self.nginx.nodes.append(proxy.Node(f"node-{p}", p, self.env, directory / "x"))
        config = self.nginx.configure(proxy.binary("openssl") or "openssl", 10)
        self.nginx.start(proxy.binary("nginx") or "nginx", config)
        SITE["tls"] = ssl.create_default_context(cafile=str(self.nginx.certificate))

    def stop_proxy(self) -> None:
        if self.nginx is not None and self.nginx.process is not None:
            proxy.stop_all([self.nginx.process])

    def stop(self) -> None:
        proxy.stop_all([node.process for node in self.nodes.values()] + list(self.workers))
        self.stop_proxy()


def desk_env(db_url: str, replica_url: str, smtp_port: int, media: Path) -> dict:
    return {
        **run_bench.desk_env(db_url),
        "DATABASE_REPLICA_URL": replica_url,
        "NUM_PROXIES": "1",
        "BEHIND_TLS_PROXY": "1",
        "SECURE_SSL_REDIRECT": "1",
        "SESSION_COOKIE_SECURE": "1",
        "CSRF_COOKIE_SECURE": "1",
        "ALLOWED_HOSTS": proxy.SERVER_NAME,
        # One process of four threads a node: two nodes share the machine's two cores.
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
        "MEDIA_ROOT": str(media),
        "EMAIL_HOST": HOST,
        "EMAIL_PORT": str(smtp_port),
        "SITE_URL": "http://127.0.0.1",
        # The smallest the setting allows: a killed worker's task is reaped a minute later.
        "TASK_STALE_AFTER_SECONDS": "60",
        # Every client is 127.0.0.1 here: the per-address limits would stop the bench.
        "ENQUIRY_FORM_ADDRESS_RATE": "1000000/hour",
        "PORTAL_REPLY_CLIENT_RATE": "1000000/hour",
        "PORTAL_REPLY_ADDRESS_RATE": "1000000/hour",
        "LOG_LEVEL": "WARNING",
    }


# --- the traffic ---------------------------------------------------------------------------------


@dataclass
class Tally:
    """What each operation took, and what the checks need afterwards."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    keys: dict[str, str] = field(default_factory=dict)  # idempotency key -> reference
    key_attempts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = field(default_factory=time.monotonic)

    def record(self, operation: str, seconds: float) -> None:
        with self.lock:
            self.seconds[operation].append(seconds)

    def error(self, operation: str, what: str) -> None:
        with self.lock:
            self.errors[operation].append((round(time.monotonic() - self.started, 1), what))

    def error_kinds(self) -> dict:
        """Per operation and kind of error: how many, the first and the last second."""
        kinds: dict = defaultdict(dict)
        for operation, errors in self.errors.items():
            for second, what in errors:
                seen = kinds[operation].setdefault(what, {"count": 0, "first_s": second})
                seen["count"] += 1
                seen["last_s"] = second
        return dict(kinds)

    def summary(self, elapsed: float) -> dict:
        rows = {}
        for operation in sorted({*self.seconds, *self.errors}):
            values = sorted(self.seconds.get(operation, [])) or [float("nan")]
            rows[operation] = {
                "count": len(self.seconds.get(operation, [])),
                "per_second": round(len(self.seconds.get(operation, [])) / elapsed, 2),
                "p50_ms": round(run_bench.percentile(values, 0.5) * 1000, 1),
                "p95_ms": round(run_bench.percentile(values, 0.95) * 1000, 1),
                "errors": len(self.errors.get(operation, [])),
            }
        return rows


def timed_ok(tally: Tally, operation: str, call, *args, ok=(200,)):
    """Run one request, ``call(*args)``; record its time when it answered as expected,
    else the error."""
    try:
        reply = call(*args)
    except OSError as error:
        tally.error(operation, type(error).__name__)
        return None
    if reply.status in ok:
        tally.record(operation, reply.seconds)
        return reply
    tally.error(operation, f"HTTP {reply.status}")
    return None


def api_intake(port: int, run: str, i: int, tally: Tally) -> None:
    """A group's system posts an enquiry with an idempotency key, and retries with the same
    key when the request fails or the desk answers 5xx, as a client should."""
    key = f"{run}-{i}-{uuid.uuid4().hex[:8]}"
    body = {**api_body(i), "subject": f"Scale-out {run} API {i}"}
    for attempt in range(6):
        with tally.lock:
            tally.key_attempts[key] += 1
        try:
            reply = web(port).post_json(
                "/api/v1/enquiries/", body, headers={"Idempotency-Key": key}
            )
        except OSError as error:
            tally.error("api_intake", type(error).__name__)
            time.sleep(0.5 * (attempt + 1))
            continue
        if reply.status in (200, 201):
            tally.record("api_intake", reply.seconds)
            with tally.lock:
                tally.keys[key] = reply.json()["reference"]
            return
        tally.error("api_intake", f"HTTP {reply.status}")
        if reply.status < 500:
            return
        time.sleep(0.5 * (attempt + 1))


def form_intake(port: int, run: str, i: int, tally: Tally) -> None:
    client = web(port)
    page = timed_ok(tally, "form_get", lambda: client.get("/enquire/"))
    if page is None:
        return
    fields = {**form_fields(i, client.csrf_token(page)), "subject": f"Scale-out {run} form {i}"}
    timed_ok(tally, "form_post", lambda: client.post_form("/enquire/", fields), ok=(302, 303))


def portal_reply(client: Client, reference: str, run: str, i: int, tally: Tally) -> None:
    page = timed_ok(tally, "portal_page", lambda: client.get(f"/track/enquiries/{reference}/"))
    if page is None:
        return
    key = uuid.uuid4().hex
    fields = {
        "body": f"Scale-out {run} reply {i}",
        "submission_key": key,
        "csrfmiddlewaretoken": client.csrf_token(page),
    }
    path = f"/track/enquiries/{reference}/reply/"
    for _attempt in range(3):  # the same submission key: a retry keeps one reply
        reply = timed_ok(
            tally, "portal_reply", lambda: client.post_form(path, fields), ok=(302, 303)
        )
        if reply is not None:
            return
        time.sleep(0.5)


def traffic(port: int, seconds: float, run: str, ctx: dict, tally: Tally) -> float:
    """Mixed traffic through the proxy for ``seconds``: 2 intake clients (API and form),
    2 advisers on the queue and enquiry pages, 1 manager running 12-month reports, 1 group
    replying through its tracking link. Returns the time it took."""
    stop = time.monotonic() + seconds
    counter, counter_lock = ctx["counter"], ctx["counter_lock"]

    def next_i() -> int:  # one sequence for the whole run: every subject is unique
        with counter_lock:
            return next(counter)

    def intake_api() -> None:
        while time.monotonic() < stop:
            api_intake(port, run, next_i(), tally)

    def intake_form() -> None:
        while time.monotonic() < stop:
            form_intake(port, run, next_i(), tally)

    def adviser(n: int) -> None:
        client = web(port)
        client.cookies = dict(ctx["adviser_cookies"][n])
        rng = random.Random(n)
        while time.monotonic() < stop:
            timed_ok(tally, "queue", client.get, "/desk/?queue=all")
            reference = rng.choice(ctx["adviser_references"][n])
            timed_ok(tally, "enquiry_page", client.get, f"/desk/enquiries/{reference}/")

    def manager() -> None:
        client = web(port)
        client.cookies = dict(ctx["manager_cookies"])
        i = 0
        while time.monotonic() < stop:
            timed_ok(tally, "report_12m", client.get, REPORT_PATHS[i % 3])
            i += 1

    def group() -> None:
        client = web(port)
        client.cookies = dict(ctx["group_cookies"])
        while time.monotonic() < stop:
            portal_reply(client, ctx["group_reference"], run, next_i(), tally)
            time.sleep(0.5)

    threads = [
        threading.Thread(target=intake_api, daemon=True),
        threading.Thread(target=intake_form, daemon=True),
        threading.Thread(target=adviser, args=(0,), daemon=True),
        threading.Thread(target=adviser, args=(1,), daemon=True),
        threading.Thread(target=manager, daemon=True),
        threading.Thread(target=group, daemon=True),
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    return time.monotonic() - started


def sign_in(port: int, username: str) -> dict:
    last: Exception | None = None
    for _ in range(30):
        try:
            client = web(port)
            client.login(username, PASSWORD)
            return client.cookies
        except (OSError, RuntimeError) as error:
            last = error
            time.sleep(1)
    raise SystemExit(f"could not sign in as {username} through the proxy: {last!r}")


def group_link(port: int, run: str) -> tuple[str, dict]:
    """An enquiry sent through the API, and the group's cookies after following its link."""
    reply = web(port).post_json(
        "/api/v1/enquiries/", {**api_body(1), "subject": f"Scale-out {run} tracked"}
    )
    receipt = reply.json()
    client = web(port)
    path = "/" + receipt["tracking_url"].split("/", 3)[3]
    client.get(path)  # sets the portal cookie, then 303 to the page without the token
    return receipt["reference"], client.cookies


# --- watching the replica ------------------------------------------------------------------------


class LagWatch(threading.Thread):
    """Samples the standby's replay lag (seconds behind the primary's last commit) once a
    second while the traffic runs; a stopped standby counts as unreachable."""

    def __init__(self, replica_url: str) -> None:
        super().__init__(daemon=True)
        self.replica_url, self.samples, self.unreachable = replica_url, [], 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(1):
            try:
                with psycopg.connect(self.replica_url, connect_timeout=2) as conn:
                    lag = conn.execute(
                        "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()"
                        " THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())"
                        " END"
                    ).fetchone()[0]
                self.samples.append(float(lag or 0))
            except psycopg.Error:
                self.unreachable += 1

    def summary(self) -> dict:
        values = sorted(self.samples) or [0.0]
        return {
            "samples": len(self.samples),
            "max_s": round(values[-1], 2),
            "p95_s": round(run_bench.percentile(values, 0.95), 2),
            "unreachable_samples": self.unreachable,
        }


# --- the bulk letter batch -----------------------------------------------------------------------


def start_batch(db_url: str, size: int) -> int:
    """A manager's bulk letter to ``size`` open enquiries (the bulk letters page's service,
    called in this process); the workers make the letters. Returns the batch's id."""
    os.environ.update({"DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "config.settings"})
    os.environ.setdefault("SECRET_KEY", "scale-out-bench-only-" + uuid.uuid4().hex)
    import django

    django.setup()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # the SMTP sink's chatter
    from django.contrib.auth import get_user_model
    from django.db import connections

    from casework.letters import selectors as letters_selectors
    from casework.letters import services as letters_services
    from enquiries.models import Enquiry, Status

    choice = letters_selectors.letter_template_choices_for_bulk()[0]
    enquiries = list(
        Enquiry.objects.filter(status__in=Status.open_values(), merged_into__isnull=True).order_by(
            "-pk"
        )[:size]
    )
    batch = letters_services.letter_batch_issue(
        enquiries=enquiries,
        template_version=choice.version,
        publish=False,
        actor=get_user_model().objects.get(username=MANAGER),
    )
    connections.close_all()
    return batch.pk


# --- the faults ----------------------------------------------------------------------------------


def faults(desk: Desk, replica, log: list, at: float, db_url: str, batch_size: int) -> None:
    """Phase 3's faults, each at a fixed second after the bulk letter batch was queued (the
    seconds in the log count from the start of the phase, as the error times do)."""

    def note(what: str, **more) -> None:
        log.append({"at_s": round(time.monotonic() - at, 1), "fault": what, **more})
        print(f"  at {log[-1]['at_s']:>5} s: {what}", flush=True)

    batch = start_batch(db_url, batch_size)
    queued = time.monotonic()
    note(f"bulk letter batch of {batch_size} letters queued", batch=batch)

    def wait_until(second: float) -> None:
        time.sleep(max(0.0, queued + second - time.monotonic()))

    wait_until(5)
    port = desk.node_ports[-1]
    desk.kill_node(port)
    note(f"app node :{port} killed (SIGKILL)")
    wait_until(10)
    victim = desk.workers[0]
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    note("worker 1 killed (SIGKILL) while the batch is being made")
    desk.start_worker()
    note("a new worker started")
    wait_until(20)
    replica.stop()
    note("replica stopped")
    wait_until(30)
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart", "-m", "fast"],
        check=True,
    )
    note("primary PostgreSQL restarted (fast)")
    wait_until(40)
    desk.start_node(port)
    note(f"app node :{port} started again")


# --- the checks ----------------------------------------------------------------------------------


def checks(db_url: str, run: str, tally: Tally, batch: int, smtp) -> dict:
    """Nothing lost, nothing twice."""
    with psycopg.connect(db_url) as conn:
        per_subject = conn.execute(
            "SELECT subject, count(*) FROM enquiries_enquiry WHERE subject LIKE %s "
            "GROUP BY subject",
            [f"Scale-out {run} %"],
        ).fetchall()
        keys = dict(
            conn.execute(
                "SELECT k.key, e.reference FROM enquiries_idempotencykey k "
                "JOIN enquiries_enquiry e ON e.id = k.enquiry_id WHERE k.key LIKE %s",
                [f"{run}-%"],
            ).fetchall()
        )
        replies = conn.execute(
            "SELECT body, count(*) FROM enquiries_message WHERE body LIKE %s GROUP BY body",
            [f"Scale-out {run} reply %"],
        ).fetchall()
        letters = conn.execute(
            "SELECT count(*), count(DISTINCT enquiry_id),"
            " count(*) FILTER (WHERE state = 'issued'),"
            " count(DISTINCT pdf) FILTER (WHERE pdf <> '')"
            " FROM casework_letter WHERE batch_id = %s",
            [batch],
        ).fetchone()
        total = (
            conn.execute("SELECT total FROM casework_letterbatch WHERE id = %s", [batch]).fetchone()
            or [0]
        )[0]
        tasks = dict(
            conn.execute(
                "SELECT status, count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE enqueued_at >= %s GROUP BY status",
                [tally.started_at],
            ).fetchall()
        )
        failed = conn.execute(
            "SELECT task_path, exception_class_path, count(*)"
            " FROM django_tasks_database_dbtaskresult WHERE enqueued_at >= %s"
            " AND status = 'FAILED' GROUP BY 1, 2",
            [tally.started_at],
        ).fetchall()
        failed_without_reason = conn.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE enqueued_at >= %s "
            "AND status = 'FAILED' AND coalesce(exception_class_path, '') = ''",
            [tally.started_at],
        ).fetchone()[0]
    message_ids = [message["Message-ID"] for _rcpt, message in smtp.messages]
    duplicates = [mid for mid in set(message_ids) if message_ids.count(mid) > 1]
    answered = dict(tally.keys.items())
    return {
        "enquiries_with_a_duplicate": [s for s, n in per_subject if n > 1],
        "answered_201_without_its_row": [k for k, ref in answered.items() if keys.get(k) != ref],
        "api_keys_answered": len(answered),
        "api_retries": sum(n - 1 for n in tally.key_attempts.values()),
        "most_tries_for_one_key": max(tally.key_attempts.values(), default=0),
        "rows_from_the_run": sum(n for _s, n in per_subject),
        "portal_replies_twice": [b for b, n in replies if n > 1],
        "letters": {
            "batch_total": total,
            "rows": letters[0],
            "distinct_enquiries": letters[1],
            "issued": letters[2],
            "distinct_pdfs": letters[3],
        },
        "emails": {"received": len(message_ids), "same_message_id_twice": len(duplicates)},
        "tasks": tasks,
        "tasks_failed": [list(row) for row in failed],
        "tasks_failed_without_reason": failed_without_reason,
    }


def drain(db_url: str, since, limit: float = 420) -> float:
    """Wait until every task queued since ``since`` has finished or failed (a killed
    worker's task is reaped after TASK_STALE_AFTER_SECONDS); return how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        with psycopg.connect(db_url) as conn:
            waiting = conn.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE enqueued_at >= %s AND status IN ('READY', 'RUNNING')",
                [since],
            ).fetchone()[0]
        if not waiting:
            break
        time.sleep(2)
    return time.monotonic() - started


def phase(desk: Desk, name: str, seconds: float, run: str, ctx: dict, replica_url: str) -> dict:
    print(f"phase {name}: {len(desk.nodes)} node(s), {seconds} s", flush=True)
    tally = ctx["tally"] = Tally()
    lag = LagWatch(replica_url)
    lag.start()
    elapsed = traffic(desk.proxy_port, seconds, run, ctx, tally)
    lag.halt.set()
    lag.join()
    return {
        "nodes": len(desk.nodes),
        "seconds": round(elapsed, 1),
        "operations": tally.summary(elapsed),
        "replica_lag": lag.summary(),
        "errors": tally.error_kinds(),
    }


def table(result: dict) -> str:
    lines = []
    for name, data in result["phases"].items():
        lines.append(f"\n{name} ({data['nodes']} node(s) at the end, {data['seconds']} s)\n")
        lines.append("| operation | count | per s | p50 ms | p95 ms | errors |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for op, row in data["operations"].items():
            lines.append(
                f"| {op} | {row['count']} | {row['per_second']} | {row['p50_ms']} |"
                f" {row['p95_ms']} | {row['errors']} |"
            )
        lines.append(f"\nreplica lag: {data['replica_lag']}")
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    from aiosmtpd.controller import Controller

    from tests.smtp import RecordingHandler

    db_url = f"{args.server}/{args.db}"
    if not args.reuse:
        run_bench.create_database(args.server, args.db, reuse=False)
        run_bench.prepare(
            run_bench.desk_env(db_url),
            db_url,
            argparse.Namespace(enquiries=args.enquiries, batch_size=20_000, seed=2011),
        )
    run = uuid.uuid4().hex[:6]
    workdir = Path(tempfile.mkdtemp(prefix="scaleout-"))
    handler = RecordingHandler()
    smtp = Controller(handler, hostname=HOST, port=proxy.free_port())
    smtp.start()
    stack = contextlib.ExitStack()
    print("making the streaming standby (a base backup of the primary)...", flush=True)
    replica = stack.enter_context(
        standby.running_standby(standby.Primary("127.0.0.1", 5432, "postgres"))
    )
    replica_url = f"postgres://postgres@127.0.0.1:{replica.port}/{args.db}"
    ports = [int(p) for p in args.node_ports.split(",")]
    env = desk_env(db_url, replica_url, smtp.port, workdir / "media")
    desk = Desk(env=env, workdir=workdir, node_ports=ports)
    result: dict = {"database": run_bench.database_facts(db_url), "run": run, "phases": {}}
    fault_log: list = []
    try:
        run_bench.manage(env, "collectstatic", "--noinput")  # production serves hashed files
        for _ in range(args.workers):
            desk.start_worker()
        desk.start_node(ports[0])
        desk.start_proxy(ports[:1])
        port = desk.proxy_port
        ctx: dict = {"counter": iter(range(10**9)), "counter_lock": threading.Lock()}
        with psycopg.connect(db_url) as conn:
            advisers = [
                row[0]
                for row in conn.execute(
                    "SELECT u.username FROM auth_user u JOIN auth_user_groups ug"
                    " ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id"
                    " WHERE g.name = 'Advisers' AND u.is_active ORDER BY u.username LIMIT 2"
                )
            ]
            # Each adviser opens enquiries of their own (others' are not theirs to see).
            ctx["adviser_references"] = [
                [
                    row[0]
                    for row in conn.execute(
                        "SELECT e.reference FROM enquiries_enquiry e JOIN auth_user u"
                        " ON u.id = e.assigned_to_id WHERE u.username = %s"
                        " ORDER BY e.received_at DESC LIMIT 200",
                        [name],
                    )
                ]
                for name in advisers
            ]
        ctx["adviser_cookies"] = [sign_in(port, name) for name in advisers]
        ctx["manager_cookies"] = sign_in(port, MANAGER)
        ctx["group_reference"], ctx["group_cookies"] = group_link(port, run)
        with psycopg.connect(db_url) as conn:
            since = conn.execute("SELECT now()").fetchone()[0]
        result["phases"]["1 node"] = phase(desk, "1 node", args.seconds, run, ctx, replica_url)
        keys, attempts = dict(ctx["tally"].keys), dict(ctx["tally"].key_attempts)

        desk.start_node(ports[1])
        desk.start_proxy(ports)
        result["phases"]["2 nodes"] = phase(desk, "2 nodes", args.seconds, run, ctx, replica_url)
        keys.update(ctx["tally"].keys)
        attempts.update(ctx["tally"].key_attempts)

        if not args.no_faults:
            at = time.monotonic()
            injector = threading.Thread(
                target=faults, args=(desk, replica, fault_log, at, db_url, args.batch)
            )
            injector.start()
            seconds = max(args.seconds, 90)
            result["phases"]["2 nodes with faults"] = phase(
                desk, "2 nodes with faults", seconds, run, ctx, replica_url
            )
            injector.join()
            keys.update(ctx["tally"].keys)
        attempts.update(ctx["tally"].key_attempts)
        result["faults"] = fault_log
        result["drain_s"] = round(drain(db_url, since), 1)
        batch = next((f["batch"] for f in fault_log if "batch" in f), 0)
        everything = Tally(keys=keys, key_attempts=attempts)
        everything.started_at = since  # type: ignore[attr-defined]
        result["checks"] = checks(db_url, run, everything, batch, handler)
    finally:
        desk.stop()
        stack.close()
        smtp.stop()
        if args.drop:
            run_bench.drop_database(args.server, args.db)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"scaleout-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(table(result))
    print(
        json.dumps({k: result[k] for k in ("faults", "drain_s", "checks")}, indent=2, default=str)
    )
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
