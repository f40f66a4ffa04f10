"""The addresses and Message-IDs the desk's mail carries, and reading them back.

- A **signed reply address** per enquiry, ``desk+CR-2026-000123.<signature>@domain``:
  the signature is an HMAC of the reference under the secret key, so a reply to it
  joins that enquiry whoever sends it (a colleague forwarding from another address),
  and nobody can make one for an enquiry they were not written to about.
- **Message-IDs** ``<crd.<what>.CR-2026-000123@domain>``: stable per email (a resend
  carries the same one), and each names its enquiry, so a reply's ``In-Reply-To`` or
  ``References`` finds it. A message whose own Message-ID is one of ours is our mail
  coming back: a loop.
"""

import re
from email.utils import parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from enquiries.references import REFERENCE_RE

_SALT = "enquiries.mail.reply-address"
_SIGNATURE_LENGTH = 16
_ID_PREFIX = "crd"


def reply_address_base() -> tuple[str, str]:
    """(local part, domain) of the desk's mailbox (``MAIL_REPLY_ADDRESS``)."""
    address = parseaddr(settings.MAIL_REPLY_ADDRESS)[1] or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    local, _, domain = address.rpartition("@")
    return local, domain.lower()


def message_id_domain() -> str:
    return reply_address_base()[1] or "localhost"


def _signature(reference: str) -> str:
    return salted_hmac(_SALT, reference.upper(), algorithm="sha256").hexdigest()[:_SIGNATURE_LENGTH]


def reply_address(reference: str) -> str:
    local, domain = reply_address_base()
    return f"{local}+{reference}.{_signature(reference)}@{domain}"


def reference_from_address(address: str) -> str | None:
    """The reference a signed reply address names, if ``address`` is one with a valid
    signature (mail systems may change the case of a local part: compared without it)."""
    local, domain = reply_address_base()
    candidate_local, _, candidate_domain = address.strip().rpartition("@")
    if candidate_domain.lower() != domain:
        return None
    base, plus, tag = candidate_local.partition("+")
    if not plus or base.lower() != local.lower():
        return None
    reference, _, signature = tag.rpartition(".")
    reference = reference.upper()
    if not REFERENCE_RE.fullmatch(reference):
        return None
    if not constant_time_compare(signature.lower(), _signature(reference)):
        return None
    return reference


def thread_id(reference: str) -> str:
    """The enquiry's thread: every email about it refers to this Message-ID."""
    return f"<{_ID_PREFIX}.{reference}@{message_id_domain()}>"


def message_id(reference: str, what: str) -> str:
    """A stable Message-ID for one email about ``reference``; ``what`` names it uniquely
    (for example ``n42`` for notification 42)."""
    what = re.sub(r"[^A-Za-z0-9-]", "-", what)
    return f"<{_ID_PREFIX}.{what}.{reference}@{message_id_domain()}>"


_OURS = re.compile(
    rf"<?{_ID_PREFIX}\.(?:[A-Za-z0-9-]+\.)?(?P<reference>{REFERENCE_RE.pattern})@(?P<domain>[^>\s]+)>?"
)


def is_ours(value: str) -> bool:
    match = _OURS.fullmatch(value.strip())
    return match is not None and match.group("domain").lower() == message_id_domain()


def references_in_ids(values: list[str]) -> list[str]:
    """The references named by those of ``values`` (Message-IDs) that are ours, newest
    first (``References`` lists the oldest first; ``In-Reply-To`` comes first)."""
    found: list[str] = []
    for value in values:
        match = _OURS.fullmatch(value.strip())
        if match and match.group("domain").lower() == message_id_domain():
            reference = match.group("reference")
            if reference not in found:
                found.append(reference)
    return found
