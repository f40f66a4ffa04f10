"""A mail server's pipe into the desk: one RFC 5322 message on standard input.

Exit 0 when the message is stored (or recognised and deliberately set aside), 75
(EX_TEMPFAIL) when it could not be stored now, so the mail server keeps it and retries.
Postfix: ``desk unix - n n - - pipe flags=F user=desk argv=/srv/desk/.venv/bin/python
/srv/desk/manage.py receive_mail`` (README, "Mail in").
"""

import logging
import sys
from typing import Any

from django.core.management.base import BaseCommand

from enquiries.mail.services import mail_receive

logger = logging.getLogger(__name__)

EX_TEMPFAIL = 75


class Command(BaseCommand):
    # A mail server runs this once per message: the system checks (which load every URL
    # and with them the PDF renderer) would be most of its time. ``check --deploy`` runs
    # at deployment instead.
    requires_system_checks: list[str] = []
    help = (
        "Store one email read from standard input (for a mail server's pipe transport). "
        "Exits 0 when stored or deliberately dropped, 75 when it must be retried later."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            self.stderr.write("No message on standard input.")
            sys.exit(EX_TEMPFAIL)
        try:
            received = mail_receive(raw, source="pipe")
        except Exception:
            # The database is down, the disk is full...: the mail server keeps the
            # message and delivers it again later. Nothing personal is logged.
            logger.exception("receive_mail could not store a message; the mail server retries")
            self.stderr.write("The message could not be stored now; try again later.")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(received.outcome)
