"""Mail in: messages imported per second from a real IMAP server and through the pipe,
with SQL queries per message.

    createdb -h 127.0.0.1 -U postgres desk_mail_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/desk_mail_bench DEBUG=1
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --enquiries 10000   # teams, advisers, rules, data
    .venv/bin/python bench/mail_bench.py --messages 1000 [--out docs/bench/mail.json]

1. Makes ``--messages`` mixed messages from the test corpus (``tests/enquiries/mail/``:
   plain, HTML-only, quoted-printable, base64 Latin-1, attachments with refusals, a
   forward, replies to an enquiry by subject and by our headers, an auto-reply, a list
   message, one without a Message-ID), each with its own Message-ID and sender.
2. IMAP: starts a throwaway Dovecot (as the tests do), APPENDs them all (untimed), then
   times one ``mail_fetch_all()`` round: fetch, parse, store, act, move.
3. Pipe: the same number again through ``mail_receive(source="pipe")`` in this process
   (the work ``manage.py receive_mail`` does), and 20 real ``receive_mail`` processes to
   show what starting Python and Django adds per message.
4. Queries per message, per outcome, from Django's query capture, for the first and the
   last tenth of the run: equal when the count does not grow with the data.

Acknowledgements are queued as tasks (``TASK_BACKEND=database``) but not sent.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("TASK_BACKEND", "database")
os.environ.setdefault("MAIL_REPLY_ADDRESS", "desk@desk.example")
# Distinct senders in a burst: the bench measures throughput, not the loop guard.
os.environ.setdefault("MAIL_LOOP_LIMIT_PER_HOUR", "1000000")
os.environ.setdefault("MAIL_DATE_MAX_AGE_DAYS", "100000")

KINDS = [
    "plain",
    "html_only",
    "alternative_qp",
    "latin1_base64",
    "attachments",
    "forwarded",
    "reply_subject_only",
    "reply_with_headers",
    "auto_reply",
    "mailing_list",
    "no_message_id",
]


def messages(count: int, enquiry, tag: str) -> list[bytes]:
    from tests.enquiries.mail_corpus import corpus

    made = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        raw = corpus(kind, enquiry)
        unique = f"{tag}-{i}"
        if b"Message-ID: <" in raw:
            start = raw.index(b"Message-ID: <") + len(b"Message-ID: <")
            raw = raw[:start] + unique.encode() + b"." + raw[start:]
        else:
            raw = raw.replace(b"Subject: ", f"Subject: [{unique}] ".encode(), 1)
        made.append(raw)
    return made


def per_outcome_queries(raws: list[bytes]) -> dict[str, float]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from enquiries.mail.services import mail_receive

    counts: dict[str, list[int]] = defaultdict(list)
    for raw in raws:
        reset_queries()  # the log keeps at most 9,000 queries: past that it counts none
        with CaptureQueriesContext(connection) as captured:
            result = mail_receive(raw, source="pipe")
        counts[result.outcome].append(len(captured.captured_queries))
    return {k: round(statistics.mean(v), 1) for k, v in sorted(counts.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from enquiries.mail.imap import mail_fetch_all
    from enquiries.mail.services import mail_receive
    from enquiries.models import Enquiry, InboundMail
    from tests.imap import connect, mailbox_settings, running_dovecot

    enquiry = mail_receive(
        messages(1, None, f"seed-{time.time()}")[0], source="pipe"
    ).enquiry  # the enquiry the corpus's replies answer (its contact is the corpus's clerk)
    assert enquiry is not None
    run = f"run-{int(time.time())}"
    n = args.messages
    before = InboundMail.objects.count()
    results: dict = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "messages": n,
        "enquiries_before": Enquiry.objects.count(),
    }

    with running_dovecot() as server:
        settings.MAIL_IMAP_MAILBOXES = [mailbox_settings(server)]
        client = connect(server)
        batch = messages(n, enquiry, f"{run}-imap")
        started = time.perf_counter()
        for raw in batch:
            client.append("INBOX", raw)
        append_seconds = time.perf_counter() - started
        client.logout()
        started = time.perf_counter()
        [fetched] = mail_fetch_all()
        imap_seconds = time.perf_counter() - started
    assert fetched.error == "", fetched.error
    results["imap"] = {
        "seconds": round(imap_seconds, 2),
        "per_second": round(fetched.read / imap_seconds, 1),
        "outcomes": dict(fetched.outcomes),
        "append_seconds_untimed": round(append_seconds, 2),
    }

    batch = messages(n, enquiry, f"{run}-pipe")
    started = time.perf_counter()
    outcomes: Counter[str] = Counter()
    for raw in batch:
        outcomes[mail_receive(raw, source="pipe").outcome] += 1
    pipe_seconds = time.perf_counter() - started
    results["pipe_in_process"] = {
        "seconds": round(pipe_seconds, 2),
        "per_second": round(n / pipe_seconds, 1),
        "outcomes": dict(outcomes),
    }

    process_samples = []
    for raw in messages(20, enquiry, f"{run}-process"):
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603
            [sys.executable, str(ROOT / "manage.py"), "receive_mail"],
            input=raw,
            capture_output=True,
            cwd=ROOT,
            check=False,
        )
        process_samples.append(time.perf_counter() - started)
        assert done.returncode == 0, done.stderr.decode()[-500:]
    results["pipe_process"] = {
        "median_seconds": round(statistics.median(process_samples), 3),
        "per_second": round(1 / statistics.median(process_samples), 1),
    }

    tenth = max(len(KINDS), n // 10 // len(KINDS) * len(KINDS))
    results["queries_per_message"] = {
        "first_tenth": per_outcome_queries(messages(tenth, enquiry, f"{run}-q1")),
        "after_the_run": per_outcome_queries(messages(tenth, enquiry, f"{run}-q2")),
    }
    results["stored"] = InboundMail.objects.count() - before
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
