"""Importing a service's history: rows per second for the check and the import, on the
database ``DATABASE_URL`` names, from a generated messy file whose verdicts are known.

    # SQLite
    DATABASE_URL=sqlite:////tmp/import-bench.sqlite3 DEBUG=1 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/import-bench.sqlite3 .venv/bin/python bench/import_bench.py \
        --rows 100000 [--xlsx] [--out docs/bench/import-sqlite.json]
    # PostgreSQL
    createdb -h 127.0.0.1 -U postgres desk_import_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/desk_import_bench
    DEBUG=1 .venv/bin/python manage.py migrate && .venv/bin/python bench/import_bench.py ...

The file is as messy as real exports: dates in three forms (31/01/2024, 2024-01-31, Excel
serials), names in odd case and spacing, Windows-1252 text (CSV) and a byte-order mark,
blank rows, and known faults (unknown topics, unreadable dates, bad email addresses,
repeated references). The run fails unless the check's counts are exactly those the
generator expects, the import makes exactly the new rows, and a second run of the same
file changes nothing. Use a throwaway database: the rows are really imported.
"""

import argparse
import csv
import datetime
import io
import json
import os
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

HEADINGS = [
    "Ref", "Date received", "Organisation", "Type", "Postcode", "Contact", "Email", "Phone",
    "How received", "Topic", "Council", "Subject", "Details", "Status", "Closed", "Outcome",
    "Notes",
]  # fmt: skip
TOWNS = ["Bardney", "Caistor", "Market Rasen", "Gainsborough", "Nettleham", "Saxilby", "Ëlsham"]
KINDS = ["Parish council", "community group", "CHARITY", "residents association", ""]


def generate(rows: int, seed: int, topics: list[str], areas: list[str]) -> tuple[list, Counter]:
    """The rows and the verdicts the check must give them."""
    rng = random.Random(seed)
    expected: Counter[str] = Counter()
    groups = max(10, rows // 5)
    out: list[list[object]] = []
    for n in range(rows):
        if n % 200 == 199:
            out.append([""] * len(HEADINGS))
            expected["blank"] += 1
            continue
        g = rng.randrange(groups)
        town = TOWNS[g % len(TOWNS)]
        day = rng.randrange(1, 28)
        month = rng.randrange(1, 13)
        year = rng.choice([2021, 2022, 2023, 2024])
        form = n % 3
        received = (
            f"{day:02d}/{month:02d}/{year}",
            f"{year}-{month:02d}-{day:02d}",
            str((datetime.date(year, month, day) - datetime.date(1899, 12, 30)).days),
        )[form]
        person = rng.randrange(3)
        closed = rng.random() < 0.7
        topic = rng.choice(topics)
        row = [
            f"OLD-{n}",
            received,
            f"{town} Group {g}",
            KINDS[g % len(KINDS)],
            f"LN{g % 9 + 1} {g % 10}AB".lower(),
            f"Person {g}-{person}",
            f"p{g}.{person}@{town.lower().replace(' ', '')}.example".replace("ë", "e"),
            "01234 567890",
            rng.choice(["Telephone", "e-mail", "Web form", "post", ""]),
            f"  {topic.upper()} " if n % 7 == 0 else topic,
            rng.choice(areas),
            f"Enquiry {n} about the {town} café",
            "We would like to save a building for the community. " * rng.randrange(1, 6),
            "Closed" if closed else rng.choice(["Open", "In progress", ""]),
            f"28/12/{year}" if closed else "",
            "signposted" if closed and n % 2 else "",
            "Called the group back." if n % 4 == 0 else "",
        ]
        fault = n % 101
        if fault == 13:
            row[9] = "Pub quizzes"  # unknown topic
        elif fault == 37:
            row[1] = "31/31/2024"  # not a date
        elif fault == 71:
            row[6] = "not-an-email"
        elif fault == 89 and (n - 1) % 200 != 199:
            row[0] = f"OLD-{n - 1}"  # the row before's reference again
        if fault in (13, 37, 71) or row[0] != f"OLD-{n}":
            expected["error"] += 1
        else:
            expected["new"] += 1
        out.append(row)
    return out, expected


def file_bytes(rows: list[list[object]], xlsx: bool) -> bytes:
    if xlsx:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(HEADINGS)
        for values in rows:
            sheet.append([int(v) if isinstance(v, str) and v.isdigit() else v for v in values])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADINGS)
    writer.writerows(rows)
    return text.getvalue().encode("cp1252")  # what Excel on Windows saves as "CSV"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx", action="store_true", help="an XLSX file, not CSV")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from casework.imports import services
    from casework.models import Adviser
    from enquiries.models import Contact, Enquiry, Organisation
    from knowledgebase.models import LocalAuthority, Topic

    user, _ = User.objects.get_or_create(username="import-bench", defaults={"is_staff": True})
    Adviser.objects.get_or_create(user=user)
    topics = list(Topic.objects.values_list("name", flat=True))
    areas = list(LocalAuthority.objects.values_list("slug", flat=True)[:50])
    rows, expected = generate(args.rows, args.seed, topics, areas)
    data = file_bytes(rows, args.xlsx)
    del rows
    name = "history.xlsx" if args.xlsx else "history.csv"
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def counts() -> tuple[int, int, int]:
        return (Organisation.objects.count(), Contact.objects.count(), Enquiry.objects.count())

    def one_pass() -> dict:
        source = services.source_for(name=f"Bench {args.seed}", actor=user)
        started = time.perf_counter()
        run = services.run_upload(source=source, upload=SimpleUploadedFile(name, data), actor=user)
        run = services.run_choose_columns(
            run=run, mapping=services.run_mapping(run), default_channel="email", actor=user
        )
        run = services.run_check(run_id=run.pk)
        checked = time.perf_counter()
        run = services.import_begin(run=run, actor=user)
        run = services.run_import(run_id=run.pk)
        done = time.perf_counter()
        assert run.state == run.State.DONE, run.failure
        return {
            "check_seconds": round(checked - started, 2),
            "check_rows_per_second": round(args.rows / (checked - started)),
            "import_seconds": round(done - checked, 2),
            "import_rows_per_second": round(args.rows / (done - checked)),
            "checked": run.checked,
            "imported": run.imported,
        }

    before = counts()
    first = one_pass()
    after = counts()
    for verdict in ("new", "error", "blank"):
        got = first["checked"].get(verdict, 0)
        assert got == expected[verdict], (verdict, got, expected[verdict])
    assert first["imported"]["new"] == expected["new"]
    assert after[2] - before[2] == expected["new"]
    second = one_pass()
    assert counts() == after, "the second run changed the desk"
    assert second["checked"].get("new", 0) == 0
    assert second["checked"]["existing"] == expected["new"]
    result = {
        "database": connection.vendor,
        "rows": args.rows,
        "format": "xlsx" if args.xlsx else "csv",
        "file_bytes": len(data),
        "expected": dict(expected),
        "first_run": first,
        "second_run": second,
        "made": {"organisations": after[0] - before[0], "contacts": after[1] - before[1]},
        # Peak memory of the process beyond what it held with the file in memory.
        "peak_rss_growth_mb": round(
            (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline_kb) / 1024
        ),
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
