"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), and the desk pointed at it.

``smtp_server`` starts one per test on a port the OS picks, points
``MAILERS["default"]`` at it and yields its handler: ``messages`` holds what
arrived (envelope recipients and the parsed message), ``refuse = K`` makes it
answer the next K messages with ``refusal`` (a 451 "try again later" unless
set otherwise) to stand for an outage, and ``unknown_recipients`` are refused
with a 550 as a mailbox that does not exist. ``closed_port`` is a port where nothing
listens: connecting is refused at once, as when the mail server is down.
"""

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

TRY_AGAIN_LATER = "451 4.3.0 Requested action aborted: try again later"


@dataclass
class RecordingHandler:
    """Keeps every message it accepts; refuses the next ``refuse`` messages.

    A recipient in ``unknown_recipients`` is refused at RCPT with a 550.
    """

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: int = 0
    refusal: str = TRY_AGAIN_LATER
    refused: int = 0
    unknown_recipients: set[str] = field(default_factory=set)
    recipients_refused: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        if address in self.unknown_recipients:
            self.recipients_refused += 1
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        if self.refuse > 0:
            self.refuse -= 1
            self.refused += 1
            return self.refusal
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 2.0.0 Message accepted for delivery"


class _AnyPortController(Controller):
    """Listens on port 0 (the OS picks a free one) and learns which port it got."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def point_mail_at(settings, port: int, *, timeout: int = 5) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": timeout},
        }
    }


@pytest.fixture
def smtp_server(settings):
    handler = RecordingHandler()
    controller = _AnyPortController(handler, hostname="127.0.0.1", port=0)
    controller.start()
    point_mail_at(settings, controller.port)
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def closed_port():
    """A port held (bound, not listening) for the test, so a connection is refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]
