"""The retention job on a large desk: how long it takes and how long each batch holds
its rows locked.

    createdb -h 127.0.0.1 -U postgres desk_retention_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/desk_retention_bench DEBUG=1
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --enquiries 100000 --batch-size 10000
    .venv/bin/python bench/retention_bench.py --years 1 [--out docs/bench/retention.json]

The demo data spans three years, so a one-year period makes about 60% of it due. The
run is real (it anonymises the database): use a throwaway one. Prints the enquiries
anonymised, the time, the rate, and the median and longest batch (the longest time any
row is locked).
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def figures() -> dict[str, list]:
    """What every report counts, grouped as finely as they group it: enquiries by status,
    channel, topic, area, enquirer type, holder and month received; closures by month;
    outcomes by code; service levels met; time recorded. Equal before and after a run, or
    anonymisation changed a figure."""
    from django.db.models import Count, Sum
    from django.db.models.functions import TruncMonth

    from casework.models import Outcome, TimeEntry
    from enquiries.models import Enquiry

    enquiries = Enquiry.objects.order_by()
    return {
        "enquiries": list(
            enquiries.values(
                "status",
                "channel",
                "topic_id",
                "local_authority_id",
                "organisation__org_type",
                "assigned_to_id",
                month=TruncMonth("received_at"),
            )
            .annotate(n=Count("pk"))
            .order_by(
                "month",
                "status",
                "channel",
                "topic_id",
                "local_authority_id",
                "organisation__org_type",
                "assigned_to_id",
            )
        ),
        "closed": list(
            enquiries.filter(closed_at__isnull=False)
            .values(month=TruncMonth("closed_at"))
            .annotate(n=Count("pk"))
            .order_by("month")
        ),
        "first_response": list(
            enquiries.values("first_response_due", "first_response_at__date")
            .annotate(n=Count("pk"))
            .order_by("first_response_due", "first_response_at__date")
        ),
        "outcomes": list(
            Outcome.objects.order_by().values("code").annotate(n=Count("pk")).order_by("code")
        ),
        "minutes": [TimeEntry.objects.aggregate(total=Sum("minutes"))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    from casework.data_protection import selectors
    from casework.data_protection.services import retention_run
    from enquiries.models import Enquiry

    settings.RETENTION_YEARS = args.years
    before = figures()
    total = Enquiry.objects.count()
    due = selectors.enquiries_due(before=selectors.cutoff(years=args.years)).count()
    batches: list[tuple[int, float]] = []
    started = time.perf_counter()
    run = retention_run(batch=args.batch, on_batch=lambda n, s: batches.append((n, s)))
    seconds = time.perf_counter() - started
    times = [s for _, s in batches]
    after = figures()
    result = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "enquiries_in_database": total,
        "due": due,
        "years": args.years,
        "batch": args.batch,
        "enquiries_anonymised": run.enquiries_anonymised,
        "contacts_erased": run.contacts_erased,
        "organisations_anonymised": run.organisations_anonymised,
        "cases_anonymised": run.cases_anonymised,
        "seconds": round(seconds, 1),
        "per_second": round(run.enquiries_anonymised / seconds, 1) if seconds else None,
        "batches": len(batches),
        "batch_seconds_median": round(statistics.median(times), 3) if times else None,
        "batch_seconds_max": round(max(times), 3) if times else None,
        "figures_compared": sum(len(rows) for rows in before.values()),
        "figures_equal": before == after,
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
