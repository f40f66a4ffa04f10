"""Reads about mail in: when each IMAP mailbox was last read.

A round that read a mailbox without a fault records the time in the cache shared by every
process (``enquiries.mail.imap.mail_poll_record``, whether the worker's poller or
``manage.py fetch_mail`` from cron ran the round); readiness (``/readyz``) reads it to
tell a stalled poller from a quiet mailbox.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache


def poll_key(mailbox: str) -> str:
    """The cache key of ``mailbox``'s last good read (a POSIX timestamp)."""
    return f"mail:last-polled:{mailbox}"


def mail_last_polled() -> dict[str, datetime | None]:
    """Each configured mailbox's last good read (None: none recorded); {} when no IMAP
    mailbox is configured (then nothing polls: mail comes by the pipe, if at all)."""
    names = [str(mailbox["name"]) for mailbox in settings.MAIL_IMAP_MAILBOXES]
    if not names:
        return {}
    found = cache.get_many([poll_key(name) for name in names])
    return {
        name: (
            datetime.fromtimestamp(found[poll_key(name)], tz=UTC)
            if poll_key(name) in found
            else None
        )
        for name in names
    }
