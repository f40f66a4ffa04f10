"""The corpus of real-shaped messages in ``tests/enquiries/mail/`` and what tests of mail
in share: the desk's address, a clock the messages' dates fit, an enquiry to reply to.

Replies name things only known at run time; the files say ``${REFERENCE}``,
``${CONTACT_EMAIL}``, ``${SIGNED_ADDRESS}``, ``${OUR_MESSAGE_ID}`` and ``${THREAD_ID}``.
"""

from datetime import UTC, datetime
from pathlib import Path
from string import Template

import pytest

from enquiries.mail import addresses
from enquiries.mail.services import MailReceived, mail_receive
from enquiries.models import Enquiry

CORPUS = Path(__file__).parent / "mail"
DESK_ADDRESS = "desk@desk.example"
# The corpus was written on 5 December 2026; the desk reads it the next morning.
ARRIVAL = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def corpus(name: str, enquiry: Enquiry | None = None, **values: str) -> bytes:
    """A corpus message, filled in for ``enquiry`` (and any other ``values``)."""
    if enquiry is not None:
        values = {
            "REFERENCE": enquiry.reference,
            "CONTACT_EMAIL": enquiry.contact.email,
            "SIGNED_ADDRESS": addresses.reply_address(enquiry.reference),
            "OUR_MESSAGE_ID": addresses.message_id(enquiry.reference, "n1"),
            "THREAD_ID": addresses.thread_id(enquiry.reference),
            **values,
        }
    text = (CORPUS / f"{name}.eml").read_bytes().decode("utf-8")
    return Template(text).safe_substitute(values).encode("utf-8")


def receive(raw: bytes) -> MailReceived:
    return mail_receive(raw, source="pipe")


@pytest.fixture
def mail_desk(settings, time_machine):
    """The desk's address is desk@desk.example, and it is the morning after the corpus."""
    settings.MAIL_REPLY_ADDRESS = DESK_ADDRESS
    time_machine.move_to(ARRIVAL, tick=True)
    return settings
