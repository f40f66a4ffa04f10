"""Benchmark search on PostgreSQL (issue 15; results in docs/performance.md).

    .venv/bin/python bench/search_bench.py --enquiries 1000000            # creates + seeds
    .venv/bin/python bench/search_bench.py --enquiries 1000000 --reuse    # an existing one

The database is made as ``run_bench`` makes it (``seed_demo``), then given what desk
search reads beyond the seeder's enquiries: ``--messages-per-enquiry`` updates and notes
with realistic text, and ``--articles`` guidance articles made from the shipped ones
(each with a numbered variation, so none is a copy). Then, in this process (the selectors
the pages call, no HTTP):

* guidance search (``knowledgebase.guidance.selectors.article_search``) for a set of
  queries, one misspelt (corrected against the articles' vocabulary, then searched
  again): median and p95 over ``--runs`` rounds, and the queries per search;
* desk search (``casework.search.selectors.desk_search``) as a manager (sees everything)
  and as an adviser (their own and their teams'), for a reference, an email address, a
  postcode, a surname, an organisation and words from enquiries and notes;
* ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest statement of each.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import run_bench  # noqa: E402

GUIDANCE_QUERIES = [
    "moratorium",
    "moritorium",  # misspelt: corrected by trigram similarity, then searched
    "neighbourhood forum",
    "nominate asset of community value",
    "compensation for owners",
    "regulation 14 consultation",
    "community asset transfer lease",
    "referendum",
]
FRAGMENTS = [
    "The owner has served notice and we need to know about the moratorium.",
    "Our neighbourhood forum is preparing a Regulation 14 consultation.",
    "Called the council planning officer about the covenant on the car park.",
    "The brewery wants to sell the building to a developer next spring.",
    "Sent the nomination guidance and the listing criteria.",
    "The group is thinking about a community benefit society.",
    "Lease terms for the library transfer are still being negotiated.",
    "Asked about social value in the council's new contract.",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enquiries", type=int, required=True)
    parser.add_argument("--db", default="desk_search_bench")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--messages-per-enquiry", type=float, default=0.5)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--drop", action="store_true")
    return parser.parse_args()


# A postcode for each organisation (the seeder gives none), in the normalised form the
# desk stores: 4,212 different ones, each organisation's its own up to that many.
POSTCODES = (
    "UPDATE enquiries_organisation SET postcode = 'LN' || (1 + id % 9) || ' ' "
    "|| (1 + (id / 9) % 9) || chr(65 + (id / 81 % 26)::int) || chr(65 + (id / 2106 % 2)::int)"
)


def add_text(db_url: str, per_enquiry: float) -> None:
    """Updates and internal notes on a share of the enquiries, and the organisations'
    postcodes, in SQL (fast at 1M)."""
    share = min(per_enquiry, 1.0)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(POSTCODES)
        conn.execute("VACUUM ANALYZE enquiries_organisation")
        author = conn.execute("SELECT id FROM auth_user ORDER BY id LIMIT 1").fetchone()[0]
        fragments = "ARRAY[" + ",".join(["%s"] * len(FRAGMENTS)) + "]"
        conn.execute(
            "INSERT INTO enquiries_message (enquiry_id, sender, author_id, body, channel, "
            "submission_key, created_at) SELECT id, 'desk', %s, "
            f"({fragments})[1 + id %% {len(FRAGMENTS)}] || ' Ref ' || id, 'portal', '', "
            "received_at + interval '1 day' FROM enquiries_enquiry WHERE random() < %s",
            [author, *FRAGMENTS, share],
        )
        conn.execute(
            "INSERT INTO casework_note (enquiry_id, author_id, body, created_at) "
            f"SELECT id, %s, ({fragments})[1 + (id / 7) %% {len(FRAGMENTS)}], "
            "received_at + interval '2 days' FROM enquiries_enquiry WHERE random() < %s",
            [author, *FRAGMENTS, share / 2],
        )
        conn.execute("VACUUM ANALYZE enquiries_message")
        conn.execute("VACUUM ANALYZE casework_note")
        # The triggers rewrote the documents of three in four enquiries: without fresh
        # statistics the planner takes a word in 9 % of them for a rare one (sorting 91,000
        # matches, 330 ms, where walking the date index stops after 2,000 rows, 2 ms), as
        # it would until autovacuum's next ANALYZE of the table.
        conn.execute("VACUUM ANALYZE casework_enquirysearchdocument")


def add_articles(count: int) -> None:
    """``count`` published articles, variations of the shipped ones, through the ORM (the
    search vector as the service stores it)."""
    from django.contrib.postgres.search import SearchVector
    from django.utils import timezone

    from knowledgebase.models import Article
    from knowledgebase.search.services import article_words_rebuild

    shipped = list(Article.objects.filter(status="published").prefetch_related("topics"))
    have = Article.objects.count()
    rng = random.Random(2011)
    batch = []
    for n in range(have, count):
        source = shipped[n % len(shipped)]
        word = rng.choice(["parish", "village", "market town", "city ward", "estate"])
        batch.append(
            Article(
                slug=f"{source.slug[:60]}-{n}",
                title=f"{source.title} ({word} {n})",
                summary=source.summary,
                body=source.body,
                body_html=source.body_html,
                body_text=f"{source.body_text}\nFor a {word}: case {n}.",
                status="published",
                audience="public",
                published_at=timezone.now(),
                legal_sources=source.legal_sources,
            )
        )
    Article.objects.bulk_create(batch, batch_size=1000)
    Through = Article.topics.through
    links = []
    for article in Article.objects.filter(slug__in=[a.slug for a in batch]).only("pk", "slug"):
        source = shipped[int(article.slug.rsplit("-", 1)[1]) % len(shipped)]
        links += [Through(article_id=article.pk, topic_id=t.pk) for t in source.topics.all()]
    Through.objects.bulk_create(links, batch_size=5000)
    Article.objects.filter(search_vector__isnull=True).update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("body_text", weight="C", config="english")
    )
    article_words_rebuild()  # the vocabulary misspelt words are corrected against


def timed(call, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()  # warm
    times, slowest = [], ("", 0.0)
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
        for query in captured.captured_queries:
            if float(query["time"]) * 1000 > slowest[1]:
                slowest = (query["sql"], float(query["time"]) * 1000)
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(run_bench.percentile(sorted(times), 0.95), 2),
        "queries": queries,
        "slowest_sql": slowest[0],
    }


def match_counts(db_url: str) -> dict:
    """How many articles each guidance query matches: the rows ranked."""
    with psycopg.connect(db_url) as conn:
        return {
            query: conn.execute(
                "SELECT count(*) FROM knowledgebase_article WHERE search_vector @@ "
                "websearch_to_tsquery('english', %s)",
                [query],
            ).fetchone()[0]
            for query in GUIDANCE_QUERIES
        }


def measure(db_url: str, runs: int) -> dict:
    from django.contrib.auth.models import AnonymousUser, User

    from casework.search.selectors import desk_search
    from enquiries.models import Contact, Enquiry
    from knowledgebase.guidance.selectors import article_search

    results: dict = {"guidance": {}, "desk": {}}
    anonymous = AnonymousUser()
    for query in GUIDANCE_QUERIES:
        results["guidance"][query] = timed(
            lambda q=query: article_search(user=anonymous, query=q), runs
        )
    manager = User.objects.get(username="hannah.okafor")
    # An adviser's recent enquiry with an organisation: its details are the queries.
    mine = (
        Enquiry.objects.filter(assigned_to__adviser__isnull=False, organisation__isnull=False)
        .select_related("contact", "organisation", "assigned_to")
        .order_by("-received_at")
        .first()
    )
    adviser = mine.assigned_to
    surname = Contact.objects.filter(pk=mine.contact_id).values_list("name", flat=True)[0]
    desk_queries = {
        "reference": mine.reference,
        "email": mine.contact.email,
        "postcode": mine.organisation.postcode or "LN1 1AA",  # given by add_text
        "surname": surname.split()[-1],
        "organisation": mine.organisation.name.split()[-1],
        "words": "covenant car park",
        "one word": "brewery",
    }
    for who, user in [("manager", manager), ("adviser", adviser)]:
        results["desk"][who] = {
            kind: timed(lambda q=query, u=user: desk_search(user=u, query=q), runs)
            for kind, query in desk_queries.items()
        }
    for section in [results["guidance"], *results["desk"].values()]:
        slowest = max(section.values(), key=lambda r: r["p95_ms"])
        slowest["explain"] = run_bench.explain(db_url, slowest["slowest_sql"])
    return results


def main() -> None:
    args = parse_args()
    db_url = f"{args.server}/{args.db}"
    run_bench.create_database(args.server, args.db, args.reuse)
    env = run_bench.desk_env(db_url)
    seeded = None
    if not args.reuse:
        seeded = run_bench.prepare(env, db_url, args)
        started = time.perf_counter()
        add_text(db_url, args.messages_per_enquiry)
        print(f"messages and notes: {time.perf_counter() - started:.0f} s")
    os.environ.update(env)
    import django

    django.setup()
    started = time.perf_counter()
    add_articles(args.articles)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE knowledgebase_article")
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in [
                "enquiries_enquiry",
                "enquiries_message",
                "casework_note",
                "knowledgebase_article",
            ]
        }
    print(f"articles: {time.perf_counter() - started:.0f} s; rows: {counts}")
    results = {
        "enquiries": args.enquiries,
        "seed_seconds": seeded,
        "rows": counts,
        "runs": args.runs,
        "matches": match_counts(db_url),
        **measure(db_url, args.runs),
        "code": run_bench.code_version(),
        "machine": run_bench.machine(),
    }
    if args.drop:
        run_bench.drop_database(args.server, args.db)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_bench.RESULTS.mkdir(exist_ok=True)
    path = run_bench.RESULTS / f"search-{args.enquiries}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(summary(results))
    print(f"\nResults: {path}")


def summary(results: dict) -> str:
    lines = [f"N = {results['enquiries']:,}; rows {results['rows']}", ""]
    lines += ["| guidance query | queries | median ms | p95 ms |", "|---|---:|---:|---:|"]
    for query, r in results["guidance"].items():
        lines.append(f"| {query} | {r['queries']} | {r['median_ms']} | {r['p95_ms']} |")
    for who, section in results["desk"].items():
        lines += ["", f"| desk search as {who} | queries | median ms | p95 ms |"]
        lines.append("|---|---:|---:|---:|")
        for kind, r in section.items():
            lines.append(f"| {kind} | {r['queries']} | {r['median_ms']} | {r['p95_ms']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
