"""The desk beside django-helpdesk 2.6.1 in one run: the public front door (issue 12).

    .venv/bin/python bench/peer_bench.py --enquiries 100000 --drop

Needs root (the peer harness uses the ``postgres`` OS user), ``wrk`` (installed with
apt-get if missing) and the local PostgreSQL 15. The peer is set up and measured by the
harness in ``../shared/anchors`` (``--anchors``), which this script calls and does not
change: its virtualenv and database (``helpdesk_bench``) live under ``~/anchors``.

1. Sets up the peer (``helpdesk_setup.sh``) and seeds it with N tickets
   (``helpdesk_seed.py``), then creates, migrates and seeds the desk's database with N
   enquiries (``run_bench.prepare``), unless ``--reuse``.
2. Then ``--rounds`` times (default 2), interleaved so that drift in the machine falls on
   both sides alike: the peer under its gunicorn (2 sync workers), measured by
   ``helpdesk_measure.py --only a,c`` (public form POST and GET with wrk, its ticket page);
   then the desk under ``config/gunicorn.py`` (2 processes x 4 threads), measured the same
   way: form POST, JSON intake POST and form GET with wrk at the same concurrency,
   duration and number of runs, and enquiry pages sequentially. After each side, the
   peak resident memory (VmHWM) of each gunicorn worker.
3. Counts the desk's SQL statements per request in-process (``query_counts.py``), and
   writes ``bench/results/peer-N-<time>.json`` with every run and a Markdown table of
   medians and ratios (ours / peer) to stdout, with the machine, load and versions.

The peer deletes the tickets its POST runs created after each run; the desk keeps its
benchmark enquiries (a few thousand beside N), so later rounds read a slightly larger
desk, which only works against it.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from httpclient import Client
from run_bench import (
    HOST,
    RESULTS,
    ROOT,
    api_token,
    code_version,
    create_database,
    desk_env,
    drop_database,
    machine,
    manage,
    prepare,
    query_counts,
    sample_references,
    start_server,
    stop_server,
)
from scenarios import MANAGER, PASSWORD

WRK = ROOT / "bench" / "wrk"
PEER_PORT = 8001


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enquiries", type=int, default=100_000, help="records on each side")
    parser.add_argument("--db", default="desk_peer", help="the desk's database name")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--port", type=int, default=8765, help="the desk's port")
    parser.add_argument("--anchors", type=Path, default=ROOT.parent / "shared" / "anchors")
    parser.add_argument("--rounds", type=int, default=2, help="peer then desk, this many times")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per operation per round")
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk concurrency")
    parser.add_argument("--page-requests", type=int, default=100, help="enquiry pages per round")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--reuse", action="store_true", help="both sides already seeded")
    parser.add_argument("--drop", action="store_true", help="drop the desk's database at the end")
    return parser.parse_args()


# --- measuring ------------------------------------------------------------------------------------


def wrk(url: str, script: str, connections: int, duration: int, env: dict | None = None) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s"]
    result = subprocess.run(
        [*command, "-s", script, url],
        cwd=WRK,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"wrk printed no result for {url}: {result.stderr or result.stdout}")
    return json.loads(lines[-1])


def errors(run: dict) -> int:
    return sum(run[key] for key in ("err_status", "err_timeout", "err_connect", "err_read"))


def summarise(name: str, runs: list[dict]) -> dict:
    return {
        "name": name,
        "runs": runs,
        "rps_median": statistics.median(run["rps"] for run in runs),
        "p50_ms_median": statistics.median(run["p50_ms"] for run in runs),
        "p95_ms_median": statistics.median(run["p95_ms"] for run in runs),
        "errors": sum(errors(run) for run in runs),
    }


def wrk_runs(name: str, url: str, script: str, args: argparse.Namespace, env=None) -> dict:
    runs = []
    for i in range(args.runs):
        run = wrk(url, script, args.connections, args.duration, env)
        runs.append(run)
        print(
            f"  {name} run {i + 1}: {run['rps']:.1f} req/s, p50 {run['p50_ms']:.1f} ms, "
            f"p95 {run['p95_ms']:.1f} ms, errors {errors(run)}",
            flush=True,
        )
        time.sleep(2)  # let requests still queued when wrk stopped finish
    return summarise(name, runs)


def worker_peaks(master_pid: int) -> list[float]:
    """Peak resident memory (VmHWM, MB) of each worker process of a gunicorn master."""
    children = subprocess.run(
        ["pgrep", "-P", str(master_pid)], capture_output=True, text=True
    ).stdout.split()
    peaks = []
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(round(int(line.split()[1]) / 1024, 1))
    return peaks


def page_latency(client: Client, paths: list[str], warmup: int = 5) -> dict:
    for path in paths[:warmup]:
        client.get(path)
    samples = []
    for path in paths:
        reply = client.get(path)
        if reply.status != 200:
            raise SystemExit(f"{path} answered {reply.status}")
        samples.append(reply.seconds * 1000)
    samples.sort()
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(0, int(0.95 * len(samples)) - 1)], 1),
    }


# --- the peer -------------------------------------------------------------------------------------


class Peer:
    def __init__(self, args: argparse.Namespace, home: Path) -> None:
        self.args, self.anchors = args, args.anchors.resolve()
        self.env = {**os.environ, "ANCHORS": str(home), "PORT": str(PEER_PORT)}
        self.venv = home / "helpdesk-venv"
        self.home = home

    def shell(self, script: str, *args: str, **extra: str) -> None:
        subprocess.run(
            ["bash", str(self.anchors / script), *args], env={**self.env, **extra}, check=True
        )

    def prepare(self) -> float:
        self.shell("helpdesk_setup.sh")
        started = time.perf_counter()
        subprocess.run(
            [str(self.venv / "bin/python"), str(self.anchors / "helpdesk_seed.py")]
            + ["--n", str(self.args.enquiries)],
            env=self.env,
            check=True,
        )
        return time.perf_counter() - started

    def measure(self, label: str) -> dict:
        self.shell("helpdesk_serve.sh", "start")
        try:
            subprocess.run(
                [str(self.venv / "bin/python"), "helpdesk_measure.py", "--label", label]
                + ["--only", "a,c"],
                cwd=self.anchors,
                env={
                    **self.env,
                    "RUNS": str(self.args.runs),
                    "DURATION": str(self.args.duration),
                    "CONC": str(self.args.connections),
                },
                check=True,
            )
            pid = int((self.home / f"gunicorn-{PEER_PORT}.pid").read_text())
            peaks = worker_peaks(pid)
        finally:
            self.shell("helpdesk_serve.sh", "stop")
        result = json.loads((self.home / f"results-{label}.json").read_text())
        result["worker_peak_rss_mb"] = peaks
        return result

    def versions(self) -> dict:
        freeze = (self.home / "helpdesk-venv.freeze.txt").read_text().splitlines()
        wanted = {"django", "django-helpdesk", "gunicorn", "psycopg"}
        return {
            name: version
            for name, _, version in (line.lower().partition("==") for line in freeze)
            if name in wanted
        }


# --- the desk -------------------------------------------------------------------------------------


def measure_desk(env: dict, args: argparse.Namespace, references: list[str], label: str) -> dict:
    log = RESULTS / f"gunicorn-peer-{label}.log"
    server = start_server(env, args.port, log)
    base = f"http://{HOST}:{args.port}"
    try:
        public = Client(HOST, args.port)
        token = public.csrf_token(public.get("/enquire/"))
        csrf = {"CSRF_COOKIE": public.cookies["csrftoken"], "CSRF_TOKEN": token}
        result = {
            "form_post": wrk_runs("form POST", f"{base}/enquire/", "desk_form.lua", args, csrf),
            "api_post": wrk_runs("API POST", f"{base}/api/v1/enquiries/", "desk_api.lua", args),
            "form_get": wrk_runs("form GET", f"{base}/enquire/", "report.lua", args),
        }
        staff = Client(HOST, args.port)
        staff.login(MANAGER, PASSWORD)
        paths = [f"/desk/enquiries/{ref}/" for ref in references[: args.page_requests]]
        result["enquiry_page"] = page_latency(staff, paths)
        print(f"  enquiry page: {result['enquiry_page']}", flush=True)
        result["worker_peak_rss_mb"] = worker_peaks(server.pid)
    finally:
        stop_server(server)
    return result


# --- report ---------------------------------------------------------------------------------------


def median_of(rounds: list[dict], *path: str) -> float:
    values = []
    for round_ in rounds:
        value = round_
        for key in path:
            value = value[key]
        values.append(value)
    return statistics.median(values)


def peer_ticket_page(result: dict) -> dict:
    return next(row for row in result["latency"] if row["name"].startswith("c "))


def table(results: dict) -> str:
    peer, desk, queries = results["peer"], results["desk"], results["desk_queries"]
    peer_post = median_of(peer, "submit_post", "rps_median")
    peer_get = median_of(peer, "submit_get", "rps_median")
    ticket = [peer_ticket_page(r) for r in peer]
    ticket_p50 = statistics.median(t["p50_ms"] for t in ticket)
    rows = [
        (
            "public form POST, req/s",
            peer_post,
            median_of(desk, "form_post", "rps_median"),
            "3x or more",
        ),
        (
            "public form POST, p95 ms",
            median_of(peer, "submit_post", "p95_ms_median"),
            median_of(desk, "form_post", "p95_ms_median"),
            "under 100 ms",
        ),
        (
            "JSON intake POST, req/s (vs the peer's form POST)",
            peer_post,
            median_of(desk, "api_post", "rps_median"),
            "3x or more",
        ),
        (
            "JSON intake POST, p95 ms",
            None,
            median_of(desk, "api_post", "p95_ms_median"),
            "under 100 ms",
        ),
        (
            "public form GET, req/s",
            peer_get,
            median_of(desk, "form_get", "rps_median"),
            "2x or more",
        ),
        (
            "item page p50 ms",
            ticket_p50,
            median_of(desk, "enquiry_page", "p50_ms"),
            "half or less",
        ),
        (
            "item page SQL queries",
            ticket[0]["queries"],
            queries.get("enquiry", {}).get("queries"),
            "12 or fewer",
        ),
        (
            "worker peak RSS, MB (largest)",
            max(max(r["worker_peak_rss_mb"] or [0]) for r in peer),
            max(max(r["worker_peak_rss_mb"] or [0]) for r in desk),
            "",
        ),
    ]
    lines = [
        f"N = {results['enquiries']:,} on each side; {len(peer)} interleaved rounds of "
        f"{results['runs']} x {results['duration_s']} s wrk runs at c={results['connections']}; "
        f"medians of the rounds' medians. Load average before: {results['load_before']}, "
        f"after: {results['load_after']}.",
        "",
        "| operation | django-helpdesk | this desk | ratio (ours / peer) | target |",
        "|---|---:|---:|---:|---|",
    ]
    for name, theirs, ours, target in rows:
        ratio = f"{ours / theirs:.2f}" if theirs and ours is not None else "-"
        shown = "-" if theirs is None else f"{theirs:,.1f}"
        lines.append(f"| {name} | {shown} | {ours:,.1f} | {ratio} | {target} |")
    errors_total = sum(r[k]["errors"] for r in desk for k in ("form_post", "api_post", "form_get"))
    lines += [
        "",
        f"Error responses on the desk: {errors_total}. SQL statements per request (desk, "
        f"in-process): form POST {queries.get('form_post', {}).get('queries')}, API POST "
        f"{queries.get('api_post', {}).get('queries')}, form GET "
        f"{queries.get('form_get', {}).get('queries')}.",
    ]
    return "\n".join(lines)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run(args: argparse.Namespace) -> dict:
    if os.geteuid() != 0:
        raise SystemExit("Run as root: the peer harness uses the postgres OS user.")
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    home = Path(os.environ.get("ANCHORS", Path.home() / "anchors"))
    home.mkdir(parents=True, exist_ok=True)
    peer = Peer(args, home)
    db_url = f"{args.server}/{args.db}"
    env = desk_env(db_url)
    create_database(args.server, args.db, args.reuse)
    if args.reuse:
        peer.shell("helpdesk_setup.sh")
        seeds = {"peer_s": None, "desk_s": None}
    else:
        seeds = {"peer_s": round(peer.prepare()), "desk_s": round(prepare(env, db_url, args))}
    manage(env, "collectstatic", "--noinput")
    token = api_token(env)
    references = sample_references(db_url, args.page_requests)
    RESULTS.mkdir(exist_ok=True)
    load_before = load()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    peer_rounds, desk_rounds = [], []
    for n in range(1, args.rounds + 1):
        print(f"round {n}: django-helpdesk", flush=True)
        peer_rounds.append(peer.measure(f"peer-{args.enquiries}-{stamp}-r{n}"))
        print(f"round {n}: the desk", flush=True)
        desk_rounds.append(measure_desk(env, args, references, f"{stamp}-r{n}"))
    counts = query_counts(env, token, references[0])
    for row in counts.values():
        row.pop("slowest", None)
    return {
        "enquiries": args.enquiries,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_version(),
        "machine": machine(),
        "load_before": load_before,
        "load_after": load(),
        "peer_versions": peer.versions(),
        "seed_seconds": seeds,
        "runs": args.runs,
        "duration_s": args.duration,
        "connections": args.connections,
        "peer": peer_rounds,
        "desk": desk_rounds,
        "desk_queries": counts,
    }


def main() -> None:
    args = parse_args()
    # Stopped with SIGTERM, still stop the servers and drop what --drop says (finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        results = run(args)
    finally:
        if args.drop:
            drop_database(args.server, args.db)
    path = RESULTS / f"peer-{args.enquiries}-{results['finished_at'].replace(':', '')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(table(results))
    print(f"\nPeer: {results['peer_versions']}. Machine: {results['machine']}. Results: {path}")


if __name__ == "__main__":
    main()
