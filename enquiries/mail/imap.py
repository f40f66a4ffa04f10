"""Polling IMAP mailboxes (``MAIL_IMAP_MAILBOXES``) with IMAPClient.

A message is moved to the mailbox's done folder only after the transaction that stored it
has committed (``mail_receive`` returns after its commit): a crash between the two leaves
it in the folder, and the next round reads it again and finds it stored (a duplicate),
so nothing is lost and nothing is stored twice. Messages are read with ``BODY.PEEK[]``,
so reading marks nothing as seen.
"""

import logging
import ssl
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from imapclient import IMAPClient

from enquiries.mail.selectors import poll_key
from enquiries.mail.services import mail_receive

logger = logging.getLogger(__name__)

BATCH = 50


@dataclass
class FetchResult:
    mailbox: str
    outcomes: Counter[str] = field(default_factory=Counter)
    error: str = ""

    @property
    def read(self) -> int:
        return sum(self.outcomes.values())


@contextmanager
def _connected(mailbox: dict[str, Any]) -> Iterator[IMAPClient]:
    context = ssl.create_default_context()
    client = IMAPClient(
        mailbox["host"],
        port=mailbox["port"],
        ssl=mailbox["security"] == "ssl",
        ssl_context=context,
        timeout=mailbox["timeout"],
    )
    try:
        if mailbox["security"] == "starttls":
            client.starttls(context)
        client.login(mailbox["user"], mailbox["password"])
        yield client
    finally:
        try:
            client.logout()
        except Exception:  # already gone: nothing to say goodbye to
            logger.debug("IMAP logout failed", exc_info=True)


def _move(client: IMAPClient, uids: list[int], folder: str) -> None:
    """Move ``uids`` out of the selected folder (MOVE, or COPY then expunge)."""
    if client.has_capability("MOVE"):
        client.move(uids, folder)
        return
    client.copy(uids, folder)
    client.delete_messages(uids)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()


def mailbox_fetch(mailbox: dict[str, Any], *, limit: int | None = None) -> FetchResult:
    """Read every message in the mailbox's folder, store each, then move the stored ones to
    its done folder. A database fault stops the round: what was stored is moved, the rest
    stays for the next round."""
    result = FetchResult(mailbox=mailbox["name"])
    source = f"imap:{mailbox['name']}"[:60]
    with _connected(mailbox) as client:
        if not client.folder_exists(mailbox["done_folder"]):
            client.create_folder(mailbox["done_folder"])
        client.select_folder(mailbox["folder"])
        uids = sorted(client.search(["NOT", "DELETED"]))
        if limit is not None:
            uids = uids[:limit]
        for start in range(0, len(uids), BATCH):
            batch = uids[start : start + BATCH]
            stored: list[int] = []
            try:
                fetched = client.fetch(batch, ["BODY.PEEK[]"])
                for uid in batch:
                    raw = fetched.get(uid, {}).get(b"BODY[]")
                    if raw is None:  # expunged meanwhile by another reader
                        continue
                    received = mail_receive(bytes(raw), source=source)
                    result.outcomes[received.outcome] += 1
                    stored.append(uid)
            finally:
                if stored:
                    _move(client, stored, mailbox["done_folder"])
    return result


def mail_poll_record(mailbox: str, *, when: datetime | None = None) -> None:
    """Note that ``mailbox`` was read through without a fault, in the cache every process
    shares (kept until the next good read). A cache fault is logged, not raised: the mail
    was read all the same, and readiness will say the poll is late."""
    try:
        cache.set(poll_key(mailbox), (when or timezone.now()).timestamp(), timeout=None)
    except Exception:
        logger.exception("recording the poll of mailbox=%s failed", mailbox)


def mail_fetch_all(*, only: str | None = None) -> list[FetchResult]:
    """One round over every configured mailbox (or the one named ``only``). A mailbox that
    cannot be reached is logged and reported; the others are still read. Each mailbox
    read without a fault has the time recorded (``mail_poll_record``), for ``/readyz``."""
    results = []
    for mailbox in settings.MAIL_IMAP_MAILBOXES:
        if only is not None and mailbox["name"] != only:
            continue
        try:
            results.append(mailbox_fetch(mailbox))
        except Exception as error:
            logger.exception("fetching mail from mailbox=%s failed", mailbox["name"])
            results.append(FetchResult(mailbox=str(mailbox["name"]), error=type(error).__name__))
        else:
            mail_poll_record(str(mailbox["name"]))
    return results
