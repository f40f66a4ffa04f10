"""Reading one RFC 5322 message into what the desk needs, with Python's ``email``
package (policy ``default``). Nothing here touches the database.

HTML is never kept as HTML: a message with only an HTML body is turned into text
through ``nh3`` (scripts and styles dropped with their content, every tag removed), and
remote images are never fetched because nothing is rendered.
"""

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

import nh3

SUBJECT_MAX_LENGTH = 200
# A Date header at most this far ahead of arrival is clock skew; further is implausible.
DATE_SKEW = timedelta(minutes=15)
_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_BLOCK_END = re.compile(r"<\s*(br\s*/?|/p|/div|/li|/tr|/h[1-6]|/blockquote|/table)\s*>", re.I)


class Unparseable(Exception):
    """The message cannot be read well enough to act on; ``str()`` says why."""


@dataclass(frozen=True)
class MailPart:
    name: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class Bounce:
    """A delivery status notification: which addresses failed, and for which message."""

    failed_recipients: list[str]
    original_message_id: str
    status: str


@dataclass
class ParsedMail:
    message_id: str  # as sent, with its angle brackets; "" when it has none
    dedupe_key: str
    from_address: str  # lower case
    from_name: str
    recipients: list[str]  # To, Cc and the delivery headers: where a signed address shows
    subject: str
    body: str
    sent_at: datetime | None
    in_reply_to: list[str]
    references: list[str]
    attachments: list[MailPart] = field(default_factory=list)
    automatic: str = ""  # why it is an automatic message (an auto-reply, a list), or ""
    bounce: Bounce | None = None


def raw_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def dedupe_key(message_id: str, raw: bytes) -> str:
    """``mid:<Message-ID>``, or ``sha256:<hash of the raw message>`` without one."""
    if message_id:
        key = f"mid:{message_id.strip()}"
        return key if len(key) <= 255 else "midsha256:" + raw_hash(message_id.encode())
    return "sha256:" + raw_hash(raw)


def _header(message: Message, name: str) -> str:
    """A header as text, or "" when it is missing or cannot be decoded (a malformed
    header must not stop the rest of the message being read)."""
    try:
        value = message.get(name)
    except Exception:  # the default policy raises on some malformed headers
        return ""
    if value is None:
        return ""
    return " ".join(str(value).split())


def message_id_of(raw: bytes) -> str:
    """The Message-ID from the headers alone: cheap for an oversize message."""
    try:
        headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    except Exception:
        return ""
    return _first_id(_header(headers, "Message-ID"))


_ID = re.compile(r"<[^<>\s]+>")


def _ids(value: str) -> list[str]:
    return _ID.findall(value or "")


def _first_id(value: str) -> str:
    ids = _ids(value)
    return ids[0] if ids else ""


def html_to_text(markup: str) -> str:
    """Text of an HTML body: block ends become line breaks, then every tag is removed
    (scripts, styles and the head with their content), entities decoded."""
    markup = _BLOCK_END.sub("\n", markup)
    cleaned = nh3.clean(
        markup,
        tags=set(),
        clean_content_tags={"script", "style", "head", "title", "template"},
        attributes={},
    )
    text = html.unescape(cleaned)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Where a mail client starts quoting the message being answered.
_QUOTE_HEADER = re.compile(
    r"^(On\b[^\n]{0,200}(\n[^\n]{0,100})?\bwrote:[ \t]*$|"
    r"-{2,}\s*Original Message\s*-{2,}|-{5,} ?Forwarded|"
    r"From: .+\n(Sent|Date): .+)",
    re.MULTILINE | re.IGNORECASE,
)


def reply_text(body: str) -> str:
    """A reply without the quoted message it answers (``On ... wrote:`` and what follows,
    an Outlook ``Original Message`` block, trailing ``>`` lines), which is already on the
    enquiry; the whole message stays in its original. The body as it is when nothing would
    be left."""
    text = body
    if match := _QUOTE_HEADER.search(text):
        text = text[: match.start()]
    lines = text.rstrip().splitlines()
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    trimmed = "\n".join(lines).strip()
    return trimmed or body.strip()


def _text_of(part: Message) -> str:
    """A text part's content, whatever its charset claims (an unknown or wrong charset
    falls back to a lenient decoding rather than losing the message)."""
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, KeyError, AssertionError):
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    for charset in (part.get_content_charset() or "utf-8", "utf-8"):
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


def _body_part(message: EmailMessage) -> Message | None:
    try:
        return message.get_body(preferencelist=("plain", "html"))
    except Exception:
        return None


def _body_text(part: Message | None) -> str:
    if part is None:
        return ""
    text = _text_of(part)
    if part.get_content_type() == "text/html":
        return html_to_text(text)
    return text.replace("\r\n", "\n").strip()


def _contains(container: Message, part: Message | None) -> bool:
    if part is None:
        return False
    return any(sub is part for sub in container.walk())


def _collect(
    part: Message,
    body: Message | None,
    attachments: list[MailPart],
    forwarded: list[EmailMessage],
) -> None:
    """Attachments and forwarded messages of ``part``, leaving out the body and the other
    versions of it (a multipart/alternative holding the body is the body)."""
    content_type = part.get_content_type()
    if part is body:
        return
    if content_type == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], EmailMessage):
            forwarded.append(inner[0])
        return
    if part.is_multipart():
        if content_type == "multipart/alternative" and _contains(part, body):
            return
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _collect(sub, body, attachments, forwarded)
        return
    filename = part.get_filename() or ""
    disposition = part.get_content_disposition()
    if content_type.startswith("text/") and disposition != "attachment" and not filename:
        return  # another rendering of the text, or a signature block
    payload = part.get_payload(decode=True)
    content = payload if isinstance(payload, bytes) else b""
    extension = content_type.rpartition("/")[2] or "bin"
    attachments.append(
        MailPart(
            name=filename or f"attachment.{extension}", content=content, content_type=content_type
        )
    )


def _forwarded_text(inner: EmailMessage) -> str:
    body = _body_text(_body_part(inner))
    return (
        "---------- Forwarded message ----------\n"
        f"From: {_header(inner, 'From')}\n"
        f"Date: {_header(inner, 'Date')}\n"
        f"Subject: {_header(inner, 'Subject')}\n\n{body}"
    )


def _sent_at(value: str, arrived: datetime, max_age: timedelta) -> datetime | None:
    """The Date header when plausible: not after arrival (beyond clock skew), not older
    than ``max_age`` before it; else None (the arrival time is used)."""
    if not value:
        return None
    try:
        sent = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if sent is None:
        return None
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    if sent > arrived + DATE_SKEW or sent < arrived - max_age:
        return None
    return min(sent, arrived)


def _automatic(message: Message) -> str:
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _header(message, "Precedence").lower()
    if precedence in _AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if _header(message, name):
            return f"{name} header"
    if _header(message, "List-Id") or _header(message, "List-Unsubscribe"):
        return "mailing-list message"
    if _header(message, "Return-Path") == "<>":
        return "sent with an empty return path (a delivery report)"
    return ""


def _bounce(message: EmailMessage) -> Bounce | None:
    """The failures a delivery status notification (RFC 3464) reports."""
    if message.get_content_type() != "multipart/report":
        return None
    if str(message.get_param("report-type") or "").lower() != "delivery-status":
        return None
    failed: list[str] = []
    status = ""
    original = ""
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                if not isinstance(block, Message):
                    continue
                action = _header(block, "Action").lower()
                recipient = _header(block, "Final-Recipient") or _header(
                    block, "Original-Recipient"
                )
                address = recipient.rpartition(";")[2].strip().strip("<>").lower()
                if action == "failed" and address:
                    failed.append(address)
                    status = status or _header(block, "Status")
        elif content_type == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                original = original or _first_id(_header(inner[0], "Message-ID"))
        elif content_type == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            headers = BytesHeaderParser(policy=policy.default).parsebytes(
                payload if isinstance(payload, bytes) else b""
            )
            original = original or _first_id(_header(headers, "Message-ID"))
    return Bounce(failed_recipients=failed, original_message_id=original, status=status)


def parse(raw: bytes, *, arrived: datetime, max_age: timedelta) -> ParsedMail:
    """Read ``raw``; ``Unparseable`` when it has no sender we can answer."""
    try:
        message = message_from_bytes(raw, policy=policy.default)
    except Exception as error:
        raise Unparseable(f"the message could not be parsed ({type(error).__name__})") from None
    if not isinstance(message, EmailMessage):
        raise Unparseable("the message could not be parsed")
    name, address = parseaddr(_header(message, "From"))
    if "@" not in address or len(address) > 254 or any(ch.isspace() for ch in address):
        raise Unparseable("it has no readable sender address (From)")
    message_id = _first_id(_header(message, "Message-ID"))
    recipients: list[str] = []
    for name_ in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        if value := _header(message, name_):
            recipients += [addr.lower() for _, addr in getaddresses([value]) if addr]
    body_part = _body_part(message)
    try:
        body = _body_text(body_part)
        attachments: list[MailPart] = []
        forwarded: list[EmailMessage] = []
        if message.is_multipart():
            for sub in message.iter_parts():
                _collect(sub, body_part, attachments, forwarded)
    except Exception as error:
        raise Unparseable(f"its body could not be read ({type(error).__name__})") from None
    for inner in forwarded:
        body = f"{body}\n\n{_forwarded_text(inner)}".strip()
    subject = _header(message, "Subject")[:SUBJECT_MAX_LENGTH]
    return ParsedMail(
        message_id=message_id,
        dedupe_key=dedupe_key(message_id, raw),
        from_address=address.lower(),
        from_name=" ".join(name.split())[:200],
        recipients=recipients,
        subject=subject,
        body=body,
        sent_at=_sent_at(_header(message, "Date"), arrived, max_age),
        in_reply_to=_ids(_header(message, "In-Reply-To")),
        references=_ids(_header(message, "References")),
        attachments=attachments,
        automatic=_automatic(message),
        bounce=_bounce(message),
    )
