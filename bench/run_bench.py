"""Benchmark the desk on PostgreSQL with N enquiries (see bench/README.md).

    .venv/bin/python bench/run_bench.py --enquiries 100000 --drop

Creates the database, migrates it, seeds it with ``seed_demo``, serves it with
gunicorn (2 workers) and times a bounded number of sequential requests per
endpoint from this process, all to 127.0.0.1. SQL queries per request are
counted in-process by ``query_counts.py`` against the same database. Writes
JSON to bench/results/ and prints a markdown table.
"""

import argparse
import json
import math
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from httpclient import Client, Reply
from psycopg import sql
from scenarios import ENDPOINTS, MANAGER, PASSWORD, Endpoint, api_body, form_fields

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
HOST = "127.0.0.1"
EXPECTED_STATUS = {"form_post": 302, "api_post": 201}
# The closed queue sorts nearly every row: fewer rounds keep the run bounded.
ROUNDS = {"queue_closed": 0.25}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enquiries", type=int, required=True, help="how many to seed")
    parser.add_argument("--db", default="desk_bench", help="database name (default desk_bench)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument(
        "--reuse", action="store_true", help="benchmark an existing, already seeded database"
    )
    parser.add_argument("--drop", action="store_true", help="drop the database when done")
    return parser.parse_args()


# --- database -----------------------------------------------------------------------------------


def admin(server: str) -> psycopg.Connection:
    return psycopg.connect(f"{server}/postgres", autocommit=True)


def create_database(server: str, name: str, reuse: bool) -> None:
    with admin(server) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            raise SystemExit(f"Database {name} exists: pass --reuse, or drop it first.")
        if reuse and not exists:
            raise SystemExit(f"Database {name} does not exist: run without --reuse.")
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server: str, name: str) -> None:
    with admin(server) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def database_facts(db_url: str) -> dict:
    tables = ["enquiries_enquiry", "enquiries_enquiryevent", "casework_assignment"]
    with psycopg.connect(db_url) as conn:
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        version = conn.execute("SHOW server_version").fetchone()[0]
        table_sizes = {
            table: conn.execute("SELECT pg_total_relation_size(%s)", [table]).fetchone()[0]
            for table in tables
        }
        rows = conn.execute("SELECT count(*) FROM enquiries_enquiry").fetchone()[0]
    return {
        "postgres": version,
        "size_bytes": size,
        "table_bytes": table_sizes,
        "enquiry_rows": rows,
    }


def sample_references(db_url: str, count: int) -> list[str]:
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT reference FROM enquiries_enquiry ORDER BY random() LIMIT %s", [count]
        ).fetchall()
    return [row[0] for row in rows]


def explain(db_url: str, query: str, setup: list[str] | tuple = ()) -> str:
    """The plan of a read query as it ran (EXPLAIN ANALYZE runs it: SELECT only), after
    ``setup`` (such as transaction-local settings) in the same transaction."""
    if not query.lstrip().upper().startswith("SELECT"):
        return ""
    with psycopg.connect(db_url) as conn:
        for statement in setup:
            conn.execute(statement)
        rows = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}").fetchall()
    return "\n".join(row[0] for row in rows)


# --- the desk as a separate process ---------------------------------------------------------------


def desk_env(db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": db_url,
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": HOST,
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "TASK_BACKEND": "database",
        "THROTTLE_ENQUIRY_INTAKE": "1000000/hour",
        "ENQUIRY_FORM_RATE": "1000000/hour",
        # The load generators send from a few dozen addresses (bench/scenarios.py).
        "ENQUIRY_FORM_ADDRESS_RATE": "1000000/hour",
        # The intake figures are for a form posted straight through; the suggestion step
        # (guidance before sending) is a page of its own (bench/search_bench.py).
        "ENQUIRY_FORM_SUGGESTIONS": "0",
        "LOG_LEVEL": "WARNING",
        # A script cannot type an authenticator's code: without this every manager page
        # would be a redirect to set one up (MFA_REQUIRED_FOR, docs/data-protection.md).
        "MFA_REQUIRED_FOR": "none",
    }


def manage(env: dict, *args: str, quiet: bool = True) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if quiet else None,
    )
    return result.stdout or ""


def prepare(env: dict, db_url: str, args: argparse.Namespace) -> float:
    """Migrate, seed and analyse; return the seeding time in seconds."""
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    started = time.perf_counter()
    manage(
        env,
        "seed_demo",
        f"--enquiries={args.enquiries}",
        f"--batch-size={args.batch_size}",
        f"--seed={args.seed}",
        quiet=False,
    )
    seconds = time.perf_counter() - started
    # Fresh statistics, as autovacuum would have gathered on a live desk.
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return seconds


def api_token(env: dict) -> str:
    output = manage(env, "create_api_token", MANAGER, "--name", "benchmark", "--days", "1")
    return output.split("Generated token ", 1)[1].split()[0]


def start_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    # A server left on the port (an interrupted run's) would answer for ours.
    try:
        Client(HOST, port).get("/")
    except OSError:
        pass
    else:
        raise SystemExit(f"Something already answers on {HOST}:{port}: stop it first.")
    # The README's production settings (config/gunicorn.py: 2 processes x 4 threads).
    command = [GUNICORN, "-c", "config/gunicorn.py", "config.wsgi", "-b", f"{HOST}:{port}"]
    with log.open("w") as handle:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if Client(HOST, port).get("/enquire/").status == 200:
                return process
        except OSError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited early; see {log}")
        time.sleep(0.5)
    stop_server(process)
    raise SystemExit(f"gunicorn did not answer within a minute; see {log}")


def stop_server(process: subprocess.Popen) -> None:
    """Stop the gunicorn we started (its own process group), and nothing else."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- timing ---------------------------------------------------------------------------------------


def one_request(endpoint: Endpoint, i: int, public: Client, staff: Client, ctx: dict) -> Reply:
    if endpoint.key == "form_post":
        token = public.csrf_token(public.get("/enquire/"))  # untimed: the GET is its own row
        return public.post_form(endpoint.path, form_fields(i, token))
    if endpoint.key == "api_post":
        return Client(HOST, public.port).post_json(endpoint.path, api_body(i))
    if endpoint.key == "form_get":
        return public.get(endpoint.path)
    if endpoint.key == "api_list":
        return Client(HOST, staff.port).get(
            endpoint.path, {"Authorization": f"Token {ctx['token']}"}
        )
    path = endpoint.path.format(ref=ctx["references"][i % len(ctx["references"])])
    return staff.get(path)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    return values[max(0, math.ceil(share * len(values)) - 1)]


def time_endpoint(endpoint: Endpoint, args, public: Client, staff: Client, ctx: dict) -> dict:
    expected = EXPECTED_STATUS.get(endpoint.key, 200)
    count = max(20, int(args.requests * ROUNDS.get(endpoint.key, 1.0)))
    for i in range(args.warmup):
        one_request(endpoint, 1_000_000 + i, public, staff, ctx)
    samples, errors = [], 0
    for i in range(count):
        reply = one_request(endpoint, i, public, staff, ctx)
        errors += reply.status != expected
        samples.append(reply.seconds * 1000)
    samples.sort()
    return {
        "label": endpoint.label,
        "requests": count,
        "errors": errors,
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "mean_ms": round(statistics.fmean(samples), 1),
        "min_ms": round(samples[0], 1),
        "max_ms": round(samples[-1], 1),
    }


def query_counts(env: dict, token: str, reference: str) -> dict:
    result = subprocess.run(
        [PYTHON, str(BENCH / "query_counts.py"), "--token", token, "--reference", reference],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
    )
    if result.returncode:
        print("query_counts.py failed: query counts missing from the results.", file=sys.stderr)
        return {}
    return json.loads(result.stdout)


def code_version() -> dict:
    """Which code was measured: the commit, and how many files differed from it."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, text=True, capture_output=True).stdout

    return {
        "commit": git("rev-parse", "--short", "HEAD").strip(),
        "changed_files": len(git("status", "--porcelain").splitlines()),
    }


# --- report ---------------------------------------------------------------------------------------


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")
    memory_kb = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def table(results: dict) -> str:
    lines = [
        f"N = {results['enquiries']:,} enquiries; seeding took "
        + (f"{results['seed_seconds']:.0f} s" if results["seed_seconds"] else "(reused)"),
        "",
        "| endpoint | median ms | p95 ms | requests | errors | SQL queries |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, row in results["endpoints"].items():
        queries = results["queries"].get(key, {}).get("queries", "?")
        lines.append(
            f"| {row['label']} | {row['median_ms']} | {row['p95_ms']} | {row['requests']} "
            f"| {row['errors']} | {queries} |"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> dict:
    db_url = f"{args.server}/{args.db}"
    env = desk_env(db_url)
    create_database(args.server, args.db, args.reuse)
    seed_seconds = None if args.reuse else prepare(env, db_url, args)
    manage(env, "collectstatic", "--noinput")
    token = api_token(env)
    ctx = {"token": token, "references": sample_references(db_url, 200)}
    RESULTS.mkdir(exist_ok=True)
    version = code_version()  # what the server is about to load
    server = start_server(env, args.port, RESULTS / f"gunicorn-{args.enquiries}.log")
    try:
        public, staff = Client(HOST, args.port), Client(HOST, args.port)
        staff.login(MANAGER, PASSWORD)
        endpoints = {e.key: time_endpoint(e, args, public, staff, ctx) for e in ENDPOINTS}
    finally:
        stop_server(server)
    counts = query_counts(env, token, ctx["references"][0])
    for row in counts.values():
        slowest = row["slowest"][0] if row["slowest"] else None
        row["plan"] = explain(db_url, slowest["sql"]) if slowest and slowest["ms"] >= 5 else ""
    return {
        "enquiries": args.enquiries,
        "database": args.db,
        "code": version,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "seed_seconds": seed_seconds,
        "requests_per_endpoint": args.requests,
        "endpoints": endpoints,
        "queries": counts,
        "db": database_facts(db_url),
    }


def main() -> None:
    args = parse_args()
    try:
        results = run(args)
    finally:
        if args.drop:
            drop_database(args.server, args.db)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"bench-{args.enquiries}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2))
    print(table(results))
    print(f"\nDatabase size {results['db']['size_bytes'] / 1024**2:,.0f} MiB. Results: {path}")


if __name__ == "__main__":
    main()
