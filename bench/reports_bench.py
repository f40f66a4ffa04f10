"""Benchmark the manager reports on PostgreSQL with N enquiries (see docs/performance.md).

    .venv/bin/python bench/reports_bench.py --enquiries 100000            # creates + seeds
    .venv/bin/python bench/reports_bench.py --enquiries 100000 --reuse    # an existing one

Reuses ``run_bench`` (database, seeding with ``seed_demo``, gunicorn with 2 workers, the
standard-library client). ``seed_demo`` writes no outcomes or service-level columns, so
``enrich`` fills them in SQL, deterministically from the row ids: due dates, working days,
``resolved_at``, and one outcome per closed enquiry (result codes included).

Per report it records:
* the page and the API call: median and p95 of ``--requests`` sequential requests;
* the floor: the same SQL statements the report runs, captured in-process and re-run
  straight through ``connection.cursor()`` (median of 5), with no ORM, Python or template
  work; plus the plan of the slowest statement (``EXPLAIN (ANALYZE, BUFFERS)``);
* the desk queue's latency alone and while two clients request reports without pause.
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run_bench  # noqa: E402
from httpclient import Client  # noqa: E402
from scenarios import MANAGER, PASSWORD  # noqa: E402

REPORTS = ["caseload", "flow", "outcomes", "demand"]
QUERIES = {
    "quarter": "period=last_quarter&bucket=week",
    "year": "period=last_12_months&bucket=month",
}
OUTCOME_CODES = [
    "advice_first_contact",
    "guidance_sent",
    "guidance_letter_sent",
    "signposted",
    "supported_application",
    "closed_no_response",
    "nomination_made",
    "asset_listed",
    "request_to_bid",
    "asset_transferred",
    "eoi_submitted",
    "plan_stage_reached",
    "plan_made",
]
STAGES = ["area_designated", "pre_submission", "submitted", "examination", "referendum"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enquiries", type=int, required=True)
    parser.add_argument("--db", default=None, help="default reports_bench_<N>")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--drop", action="store_true")
    parser.add_argument(
        "--floors-only", action="store_true", help="time the SQL only (no server, no pages)"
    )
    return parser.parse_args()


def enrich(db_url: str) -> None:
    """Service levels and outcomes for the seeded rows (once; idempotent)."""
    codes = "ARRAY[" + ",".join(f"'{c}'" for c in OUTCOME_CODES) + "]"
    stages = "ARRAY[" + ",".join(f"'{s}'" for s in STAGES) + "]"
    with psycopg.connect(db_url, autocommit=True) as conn:
        if conn.execute("SELECT EXISTS (SELECT 1 FROM casework_outcome)").fetchone()[0]:
            return
        conn.execute(
            """UPDATE enquiries_enquiry SET
                 first_response_due = (received_at AT TIME ZONE 'Europe/London')::date + 3,
                 resolution_due = (received_at AT TIME ZONE 'Europe/London')::date + 28,
                 first_response_working_days = CASE WHEN first_response_at IS NOT NULL
                     THEN (id * 7) % 9 END,
                 resolution_working_days = CASE WHEN closed_at IS NOT NULL
                     THEN 3 + (id * 13) % 40 END,
                 resolved_at = closed_at"""
        )
        # Written by SQL, past the receivers: every day's rollups (service clocks) moved.
        conn.execute(
            """INSERT INTO casework_rollupdirtyday (day)
               SELECT DISTINCT (received_at AT TIME ZONE 'Europe/London')::date
               FROM enquiries_enquiry"""
        )
        conn.execute(
            f"""INSERT INTO casework_outcome (enquiry_id, code, detail, referred_to,
                   consent_to_refer, plan_stage, is_closing, recorded_by_id, recorded_at)
               SELECT id, c.code,
                      '', '', false,
                      CASE WHEN c.code = 'plan_stage_reached'
                           THEN ({stages})[1 + (id % 5)] ELSE '' END,
                      true, assigned_to_id, closed_at
               FROM enquiries_enquiry,
                    LATERAL (SELECT ({codes})[1 + (id * 31) % {len(OUTCOME_CODES)}] AS code) c
               WHERE closed_at IS NOT NULL AND assigned_to_id IS NOT NULL"""
        )
        conn.execute(  # and the outcome rollup's days, keyed by the day recorded
            """INSERT INTO casework_rollupdirtyday (day)
               SELECT DISTINCT (recorded_at AT TIME ZONE 'Europe/London')::date
               FROM casework_outcome"""
        )
        conn.execute("VACUUM ANALYZE")


def django_setup(db_url: str) -> None:
    os.environ.update(run_bench.desk_env(db_url))
    sys.path.insert(0, str(run_bench.ROOT))
    import django

    django.setup()


def floors(db_url: str, query: str) -> dict:
    """Each report's SQL, re-run raw: the time the database needs (the floor)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from casework.reports.params import ReportFilterForm
    from casework.reports.registry import build_report

    user = get_user_model().objects.get(username=MANAGER)
    form = ReportFilterForm(dict(part.split("=") for part in query.split("&")))
    assert form.is_valid(), form.errors
    params = form.params()
    result = {}
    for name in REPORTS:
        build_report(name, params, user=user)  # warm
        with CaptureQueriesContext(connection) as captured:
            build_report(name, params, user=user)
        # Transaction control (BEGIN, COMMIT, savepoints) is the replay's own.
        statements = [
            q["sql"]
            for q in captured.captured_queries
            if not q["sql"]
            .upper()
            .startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))
        ]
        runs = []
        per_statement = [[] for _ in statements]
        for _ in range(5):
            total = 0.0
            # One transaction, as the report has: its SET LOCAL-style settings apply.
            with transaction.atomic(), connection.cursor() as cursor:
                for i, sql in enumerate(statements):
                    started = time.perf_counter()
                    cursor.execute(sql)
                    if cursor.description is not None:  # not SET TRANSACTION
                        cursor.fetchall()
                    spent = (time.perf_counter() - started) * 1000
                    per_statement[i].append(spent)
                    total += spent
            runs.append(total)
        slowest = max(range(len(statements)), key=lambda i: statistics.median(per_statement[i]))
        result[name] = {
            "queries": len(statements),
            "floor_ms": round(statistics.median(runs), 1),
            "slowest_ms": round(statistics.median(per_statement[slowest]), 1),
            "slowest_sql": statements[slowest][:2000],
            "plan": run_bench.explain(
                db_url, statements[slowest], [sql for sql in statements if _is_setup(sql)]
            ),
        }
    return result


def _is_setup(sql: str) -> bool:
    """The report session's own statements (settings, its turn), not the report's SQL."""
    return sql.startswith(
        ("SET TRANSACTION", "SELECT set_config", "SELECT pg_advisory", "SELECT pg_try_advisory")
    )


def timed(client: Client, path: str, count: int, warmup: int, headers=None) -> dict:
    for _ in range(warmup):
        client.get(path, headers or {})
    samples, errors = [], 0
    for _ in range(count):
        reply = client.get(path, headers or {})
        errors += reply.status != 200
        samples.append(reply.seconds * 1000)
    samples.sort()
    return {
        "requests": count,
        "errors": errors,
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(run_bench.percentile(samples, 0.95), 1),
    }


def queue_under_load(port: int, count: int) -> dict:
    """The desk queue alone, then while two clients request reports without pause."""
    queue = Client(run_bench.HOST, port)
    queue.login(MANAGER, PASSWORD)
    alone = timed(queue, "/desk/?queue=all", count, 3)
    stop = threading.Event()
    served = []

    def hammer(offset: int) -> None:
        client = Client(run_bench.HOST, port)
        client.login(MANAGER, PASSWORD)
        i = offset
        while not stop.is_set():
            client.get(f"/reports/{REPORTS[i % len(REPORTS)]}/?{QUERIES['year']}")
            served.append(1)
            i += 1

    threads = [threading.Thread(target=hammer, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    loaded = timed(queue, "/desk/?queue=all", count, 0)
    stop.set()
    for thread in threads:
        thread.join(30)
    return {"alone": alone, "with_reports": loaded, "reports_served_meanwhile": len(served)}


def main() -> None:
    args = parse_args()
    args.db = args.db or f"reports_bench_{args.enquiries}"
    db_url = f"{args.server}/{args.db}"
    env = run_bench.desk_env(db_url)
    run_bench.create_database(args.server, args.db, args.reuse)
    seed_seconds = None
    if args.reuse:
        run_bench.manage(env, "migrate", "--noinput")
        run_bench.manage(env, "createcachetable")
    else:
        seed_seconds = run_bench.prepare(env, db_url, args)
    enrich(db_url)
    started = time.perf_counter()
    run_bench.manage(env, "rollups_refresh")  # the days seeding and enriching marked
    refresh_seconds = round(time.perf_counter() - started, 1)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "VACUUM ANALYZE casework_receivedday, casework_serviceday, casework_closedday,"
            " casework_outcomeday"
        )
    run_bench.manage(env, "collectstatic", "--noinput")
    token = run_bench.api_token(env)
    django_setup(db_url)
    results = {
        "enquiries": args.enquiries,
        "machine": run_bench.machine(),
        "code": run_bench.code_version(),
        "seed_seconds": seed_seconds,
        "rollups_refresh_seconds": refresh_seconds,
        "queries": QUERIES,
        "floors": {key: floors(db_url, query) for key, query in QUERIES.items()},
        "pages": {},
        "api": {},
    }
    if args.floors_only:
        for key in QUERIES:
            for name in REPORTS:
                floor = results["floors"][key][name]
                print(
                    f"{key} {name}: {floor['queries']} queries, floor {floor['floor_ms']} ms, "
                    f"slowest {floor['slowest_ms']} ms"
                )
        return
    run_bench.RESULTS.mkdir(exist_ok=True)
    server = run_bench.start_server(env, args.port, run_bench.RESULTS / "gunicorn-reports.log")
    try:
        staff = Client(run_bench.HOST, args.port)
        staff.login(MANAGER, PASSWORD)
        api = Client(run_bench.HOST, args.port)
        auth = {"Authorization": f"Token {token}"}
        for key, query in QUERIES.items():
            pages, calls = results["pages"].setdefault(key, {}), results["api"].setdefault(key, {})
            for name in REPORTS:
                pages[name] = timed(staff, f"/reports/{name}/?{query}", args.requests, args.warmup)
                calls[name] = timed(
                    api, f"/api/v1/reports/{name}/?{query}", args.requests, args.warmup, auth
                )
            pages["csv"] = timed(
                staff, f"/reports/flow/received_channel.csv?{query}", args.requests, args.warmup
            )
            pages["board_pdf"] = timed(staff, f"/reports/board.pdf?{query}", 5, 1)
        results["queue"] = queue_under_load(args.port, args.requests)
    finally:
        run_bench.stop_server(server)
        if args.drop:
            run_bench.drop_database(args.server, args.db)
    results["db"] = run_bench.database_facts(db_url) if not args.drop else {}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = run_bench.RESULTS / f"reports-{args.enquiries}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2))
    print(summary(results))
    print(f"\nResults: {path}")


def summary(results: dict) -> str:
    lines = [f"N = {results['enquiries']:,}"]
    for key, query in results["queries"].items():
        lines += [
            "",
            f"{key}: {query}",
            "",
            "| report | queries | SQL floor ms | page median / p95 ms | API median / p95 ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for name in REPORTS:
            floor = results["floors"][key][name]
            page, api = results["pages"][key][name], results["api"][key][name]
            lines.append(
                f"| {name} | {floor['queries']} | {floor['floor_ms']} | {page['median_ms']} / "
                f"{page['p95_ms']} | {api['median_ms']} / {api['p95_ms']} |"
            )
        for extra in ("csv", "board_pdf"):
            row = results["pages"][key][extra]
            lines.append(f"| {extra} | | | {row['median_ms']} / {row['p95_ms']} | |")
    queue = results["queue"]
    lines.append(
        f"\nQueue alone {queue['alone']['median_ms']} / {queue['alone']['p95_ms']} ms; while "
        f"reports run {queue['with_reports']['median_ms']} / {queue['with_reports']['p95_ms']} "
        f"ms ({queue['reports_served_meanwhile']} report pages served meanwhile)."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
