"""Time the locked-down PDF renderer against raw WeasyPrint on the same HTML (the floor).

    .venv/bin/python bench/pdf_bench.py [--runs 30]

One-page and three-page letters; median and p95 in milliseconds, and the ratio of the
desk's renderer (a warm process of its pool, with the time, memory and fetch limits) to
raw WeasyPrint in this process.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

from weasyprint import CSS, HTML  # noqa: E402

from casework.desk.pdf import DeskAssetFetcher, render_pdf, render_pool  # noqa: E402

CSS_TEXT = """
@page { size: A4; margin: 20mm 20mm 25mm;
        @bottom-center { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 11pt; line-height: 1.45; }
h1 { font-size: 16pt; }
"""
PARAGRAPH = (
    "<p>The council received the owner's notice of intended disposal on 2 March 2026. "
    "A community interest group may ask in writing to be treated as a potential bidder "
    "until the interim moratorium ends on 12 April 2026; if it does, the full moratorium "
    "runs until 1 September 2026.</p>"
)


def letter(paragraphs: int) -> str:
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        "<title>Guidance letter CR-2026-000123</title></head><body>"
        '<img src="desk-asset:logo.svg" alt="Community Rights Desk">'
        "<p>Sam Green<br>Friends of the Red Lion<br>1 High Street<br>Market Rasen</p>"
        "<h1>Your pub and the Right to Bid</h1>" + PARAGRAPH * paragraphs + "</body></html>"
    )


def timed(function, runs: int) -> dict:
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


def main() -> None:
    import django

    django.setup()  # the pool reads its size and limits from the settings
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    results = {}
    for label, paragraphs in (("one page", 6), ("three pages", 22)):
        html = letter(paragraphs)
        fetcher = DeskAssetFetcher()

        def raw(html=html, fetcher=fetcher):
            return HTML(string=html, url_fetcher=fetcher).write_pdf(
                stylesheets=[CSS(string=CSS_TEXT)], pdf_variant="pdf/ua-1"
            )

        def desk(html=html):
            return render_pdf(html, css=CSS_TEXT)

        pages = len(
            HTML(string=html, url_fetcher=fetcher).render(stylesheets=[CSS(string=CSS_TEXT)]).pages
        )
        results[label] = {
            "pages": pages,
            "raw_weasyprint": timed(raw, runs),
            "render_pdf": timed(desk, runs),
        }
        row = results[label]
        row["ratio"] = round(row["render_pdf"]["median_ms"] / row["raw_weasyprint"]["median_ms"], 2)
    print(json.dumps(results, indent=2))
    print(
        "\n| letter | pages | raw WeasyPrint median / p95 ms | render_pdf median / p95 ms | ratio |"
    )
    print("|---|---:|---:|---:|---:|")
    for label, row in results.items():
        raw, desk = row["raw_weasyprint"], row["render_pdf"]
        print(
            f"| {label} | {row['pages']} | {raw['median_ms']} / {raw['p95_ms']} | "
            f"{desk['median_ms']} / {desk['p95_ms']} | {row['ratio']} |"
        )
    for stats in render_pool().stats():
        peak = stats.peak_rss_bytes / 2**20
        print(f"renderer {stats.pid}: {stats.jobs} documents, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
