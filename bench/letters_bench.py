"""Guidance letters: render time of real letters, and bulk-issue throughput through workers.

Render (no database; the desk's own letter template and shipped letter text):

    .venv/bin/python bench/letters_bench.py render [--runs 30] [--out /tmp]

    A one-page and a three-page letter, each built by ``casework.letters.compose.letter_html``
    and ``letter_css``; median and p95 of ``casework.desk.pdf.render_pdf`` (sanitised,
    fetch-locked, PDF/UA-1, in a warm renderer of the pool with time, memory and size limits)
    against raw WeasyPrint on the same HTML and CSS in this process (the floor), and the
    renderers' peak memory. ``--out`` also writes the two PDFs there.

Bulk (a PostgreSQL database you created and migrated; the database task backend):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/letters_bench DEBUG=1
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/letters_bench.py bulk --letters 500 --workers 1
    .venv/bin/python bench/letters_bench.py bulk --letters 500 --workers 2

    Makes ``--letters`` enquiries whose interim moratorium is running (once; reused), then
    times a manager's batch from creation until every letter is made, by ``--workers``
    ``manage.py run_worker --batch`` processes started together. Publishing is on, so each
    letter is also put on its enquiry with a message and owes an email (console backend;
    the workers send those too, as they would in production). Samples each worker's and
    each renderer's memory every half second, then renders ``--floor-sample`` of the same
    letters with raw WeasyPrint in one process per core: the floor the rate is a share of.
"""

import argparse
import datetime
import html as html_module
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

# Django is set up in main(), not at import: the renderer's fork server re-imports this
# module in every render's child process (as __mp_main__), which must stay cheap.


RUNS = 30


def _timed(function, runs: int) -> dict:
    function()  # warm-up (fonts, fork server)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
        "runs": runs,
    }


def _letters() -> dict[str, tuple[str, str]]:
    """(title, body) of a one-page and a three-page letter, from the shipped templates."""
    import importlib

    from knowledgebase.letter_engine import render_letter_template

    shipped = importlib.import_module("knowledgebase.migrations.0008_load_letter_templates")
    today = datetime.date(2026, 3, 2)
    context = {
        "today": today,
        "group": {"name": "Friends of the Red Lion", "type": "Community group"},
        "contact": {"name": "Sam Green"},
        "enquiry": {
            "reference": "CR-2026-000123",
            "subject": "Our pub is up for sale",
            "received_on": today,
        },
        "adviser": {"name": "Ada Adviser"},
        "asset": {"name": "The Red Lion", "address": "1 High Street, Market Rasen"},
        "service": {"name": "Community Rights Desk"},
        "deadlines": {
            "acv_interim_moratorium": datetime.date(2026, 4, 12),
            "acv_full_moratorium": datetime.date(2026, 9, 1),
            "acv_protected_period": datetime.date(2027, 9, 1),
        },
    }

    def fill(source: str) -> str:
        return html_module.unescape(render_letter_template(source, context))

    templates = {slug: (title, body) for slug, _n, _t, _d, title, body in shipped.TEMPLATES}

    def without_sign_off(text: str) -> str:
        return text.rsplit("\n\nIf anything here", 1)[0]

    def without_greeting(text: str) -> str:
        return text.split("\n\n", 1)[1]

    one_title, one_body = templates["crtc-expression-of-interest"]
    interim_title, interim_body = templates["acv-interim-moratorium"]
    # Three pages: the moratorium letter, then the nomination and Regulation 14 guidance.
    long_body = "\n\n".join(
        [
            without_sign_off(fill(interim_body)),
            without_sign_off(without_greeting(fill(templates["acv-how-to-nominate"][1]))),
            without_greeting(fill(templates["np-regulation-14"][1])),
        ]
    )
    return {
        "one page": (fill(one_title), fill(one_body)),
        "three pages": (fill(interim_title), long_body),
    }


def raw_render(document: str, css: str) -> int:
    """The floor: WeasyPrint as a plain script would call it (in this process, no limits,
    the stylesheet parsed for each letter), with the same fetcher and PDF variant."""
    from weasyprint import CSS, HTML

    from casework.desk.pdf import DeskAssetFetcher

    return len(
        HTML(string=document, url_fetcher=DeskAssetFetcher()).write_pdf(
            stylesheets=[CSS(string=css)], pdf_variant="pdf/ua-1"
        )
    )


def render(runs: int, out: str | None) -> dict:
    from casework.desk.pdf import render_pdf, render_pdf_document, render_pool
    from casework.letters.compose import letter_css, letter_html  # Django templates: setup()

    enquiry = SimpleNamespace(
        reference="CR-2026-000123",
        contact=SimpleNamespace(name="Sam Green"),
        organisation=SimpleNamespace(name="Friends of the Red Lion", postcode="LN8 3AA"),
    )
    results = {}
    for label, (title, body) in _letters().items():
        document = letter_html(
            enquiry=enquiry,
            title=title,
            body=body,
            large_print=False,
            letter_date=datetime.date(2026, 3, 2),
        )

        css = letter_css(False)

        def raw(document=document, css=css):
            return raw_render(document, css)

        rendered = render_pdf_document(document, css=css)
        if out:
            name = label.replace(" ", "-")
            Path(out, f"letter-{name}.pdf").write_bytes(rendered.content)
        results[label] = {
            "pages": rendered.pages,
            "raw_weasyprint": _timed(raw, runs),
            "render_pdf": _timed(
                lambda document=document, css=css: render_pdf(document, css=css), runs
            ),
        }
        row = results[label]
        row["ratio"] = round(row["render_pdf"]["median_ms"] / row["raw_weasyprint"]["median_ms"], 2)
    results["renderers"] = [
        {"pid": s.pid, "documents": s.jobs, "peak_rss_mb": round(s.peak_rss_bytes / 2**20, 1)}
        for s in render_pool().stats()
    ]
    return results


# --- bulk ---------------------------------------------------------------------------------------


def _prepare(count: int):
    """A manager and ``count`` enquiries with a running moratorium (made once, then reused)."""
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from casework.clocks.services import key_date_record
    from casework.models import Adviser, Deadline, KeyDate
    from enquiries.intake.services import next_reference
    from enquiries.models import Contact, EnquirerType, Enquiry, Organisation
    from tests.factories import AdviserFactory

    manager_adviser = Adviser.objects.filter(user__username="bench-manager").first()
    if manager_adviser is None:
        manager_adviser = AdviserFactory(
            user__username="bench-manager", first_name="Mina", manager=True
        )
    manager = manager_adviser.user
    assert Group.objects.filter(name="Managers", user=manager).exists()
    have = list(
        Enquiry.objects.filter(subject__startswith="Bench pub ", key_dates__isnull=False)
        .distinct()
        .order_by("pk")[:count]
    )
    notice = timezone.localdate() - datetime.timedelta(weeks=4)
    for n in range(len(have), count):
        organisation = Organisation.objects.create(
            name=f"Friends of bench pub {n}", org_type=EnquirerType.COMMUNITY_GROUP
        )
        contact = Contact.objects.create(
            name=f"Contact {n}", email=f"bench{n}@example.org", organisation=organisation
        )
        with transaction.atomic():
            reference = next_reference(timezone.localdate().year)
        enquiry = Enquiry.objects.create(
            reference=reference,
            channel="web",
            subject=f"Bench pub {n}",
            message="Our pub is for sale.",
            asset_name=f"The Bench Arms {n}",
            asset_address=f"{n} High Street",
            contact=contact,
            organisation=organisation,
            received_at=timezone.now(),
        )
        key_date_record(
            enquiry=enquiry, trigger="disposal-notice-received", date=notice, actor=manager
        )
        have.append(enquiry)
    assert KeyDate.objects.count() and Deadline.objects.count()
    return manager, have


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children


def _memory_mb(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemoryWatch:
    """Samples each worker and its renderers (the children of the worker's fork server)
    every half second: peak RSS per process, and a timeline against letters made."""

    def __init__(self, workers: list[int]) -> None:
        self.workers = workers
        self.peak: dict[int, tuple[str, float]] = {}
        self.timeline: list[dict] = []

    def sample(self, made: int) -> None:
        children = _children()
        worker_rss, renderer_rss = [], []
        for worker in self.workers:
            rss = _memory_mb(worker, "VmRSS")
            worker_rss.append(rss)
            self.peak[worker] = ("worker", max(rss, self.peak.get(worker, ("", 0))[1]))
            for server in children.get(worker, []):  # the fork server
                for renderer in children.get(server, []):
                    rss = _memory_mb(renderer, "VmRSS")
                    renderer_rss.append(rss)
                    previous = self.peak.get(renderer, ("", 0))[1]
                    self.peak[renderer] = ("renderer", max(rss, previous))
        self.timeline.append(
            {
                "made": made,
                "worker_rss_mb": round(max(worker_rss, default=0), 1),
                "renderer_rss_mb": round(max(renderer_rss, default=0), 1),
                "renderers": len(renderer_rss),
            }
        )

    def summary(self) -> dict:
        def peaks(role: str) -> list[float]:
            return sorted(round(mb, 1) for r, mb in self.peak.values() if r == role)

        total = self.timeline[-1]["made"] if self.timeline else 0
        checkpoints = []
        for quarter in (1, 2, 3, 4):
            at = [t for t in self.timeline if t["made"] >= total * quarter / 4]
            if at:
                checkpoints.append(at[0])
        return {
            "worker_peak_rss_mb": peaks("worker"),
            "renderer_peak_rss_mb": peaks("renderer"),
            "renderer_processes_seen": len(peaks("renderer")),
            "at_each_quarter": checkpoints,
        }


def floor(documents: list[tuple[str, str]], processes: int) -> dict:
    """Raw WeasyPrint on the same letters in ``processes`` processes: letters per second."""
    import multiprocessing

    with multiprocessing.get_context("forkserver").Pool(processes) as pool:
        pool.starmap(raw_render, documents[:processes])  # import WeasyPrint in each
        started = time.perf_counter()
        pool.starmap(raw_render, documents, chunksize=1)
        seconds = time.perf_counter() - started
    return {
        "letters": len(documents),
        "processes": processes,
        "seconds": round(seconds, 1),
        "letters_per_second": round(len(documents) / seconds, 2),
    }


def bulk(count: int, workers: int, floor_sample: int) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from casework.letters.batches import letter_batch_create
    from casework.letters.compose import letter_css, letter_html
    from casework.models import Letter
    from knowledgebase.models import LetterTemplateVersion

    if connection.vendor != "postgresql":
        sys.exit("bulk needs DATABASE_URL pointing at a PostgreSQL database")
    if "database" not in str(os.environ.get("TASK_BACKEND", "database")):
        sys.exit("bulk needs the database task backend (TASK_BACKEND=database)")
    manager, enquiries = _prepare(count)
    DBTaskResult.objects.all().delete()  # an empty queue: only this batch's work
    version = (
        LetterTemplateVersion.objects.filter(template__slug="acv-interim-moratorium")
        .order_by("-number")
        .first()
    )
    started = time.perf_counter()
    batch = letter_batch_create(
        template_version=version, enquiries=enquiries, publish=True, actor=manager
    )
    queued = time.perf_counter() - started
    command = [
        sys.executable,
        str(ROOT / "manage.py"),
        "run_worker",
        "--batch",
        "--no-startup-delay",
        "--no-reload",
        "--interval",
        "0",
    ]
    processes = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    watch = MemoryWatch([p.pid for p in processes])
    pending = count
    while pending:
        time.sleep(0.5)
        pending = batch.letters.filter(state=Letter.State.PENDING).count()
        watch.sample(count - pending)
        if all(p.poll() is not None for p in processes) and pending:
            break
    made = time.perf_counter() - started
    for process in processes:
        process.wait(timeout=600)
    states = dict(batch.letters.values_list("state").annotate(n=Count("pk")).order_by())
    result = {
        "letters": count,
        "workers": workers,
        "pool_size_per_worker": settings.PDF_RENDER_POOL_SIZE,
        "chunk": settings.LETTER_BATCH_CHUNK,
        "queue_seconds": round(queued, 2),
        "seconds_until_all_made": round(made, 1),
        "letters_per_second": round(count / made, 2),
        "states": states,
        "memory": watch.summary(),
        "load_average_after": os.getloadavg(),
    }
    if floor_sample:
        sample = batch.letters.filter(state=Letter.State.ISSUED).select_related(
            "enquiry__contact", "enquiry__organisation"
        )[:floor_sample]
        documents = [
            (
                letter_html(
                    enquiry=letter.enquiry,
                    title=letter.title,
                    body=letter.body,
                    large_print=letter.large_print,
                ),
                letter_css(letter.large_print),
            )
            for letter in sample
        ]
        cores = os.cpu_count() or 1
        result["raw_floor"] = floor(documents, cores)
        result["share_of_floor"] = round(
            result["letters_per_second"] / result["raw_floor"]["letters_per_second"], 2
        )
    return result


def main() -> None:
    import django

    django.setup()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    render_parser = sub.add_parser("render")
    render_parser.add_argument("--runs", type=int, default=RUNS)
    render_parser.add_argument("--out", help="also write the two PDFs to this folder")
    bulk_parser = sub.add_parser("bulk")
    bulk_parser.add_argument("--letters", type=int, default=500)
    bulk_parser.add_argument("--workers", type=int, default=1)
    bulk_parser.add_argument(
        "--floor-sample",
        type=int,
        default=100,
        help="also render this many of the made letters with raw WeasyPrint on every core "
        "(the floor the bulk rate is compared with); 0 to skip",
    )
    options = parser.parse_args()
    if options.what == "render":
        results = render(options.runs, options.out)
        print(json.dumps(results, indent=2))
        print(
            "\n| letter | pages | raw WeasyPrint median / p95 ms "
            "| render_pdf median / p95 ms | ratio |"
        )
        print("|---|---:|---:|---:|---:|")
        for label, row in results.items():
            if label == "renderers":
                continue
            raw, desk = row["raw_weasyprint"], row["render_pdf"]
            print(
                f"| {label} | {row['pages']} | {raw['median_ms']} / {raw['p95_ms']} | "
                f"{desk['median_ms']} / {desk['p95_ms']} | {row['ratio']} |"
            )
    else:
        print(json.dumps(bulk(options.letters, options.workers, options.floor_sample), indent=2))


if __name__ == "__main__":
    main()
