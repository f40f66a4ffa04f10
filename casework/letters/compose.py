"""A guidance letter's context and HTML: plain values in, a complete A4 document out.

* ``letter_context`` builds the allow-listed context a template renders with: strings and
  dates in nested dicts (the names in ``knowledgebase.letter_engine.PLACEHOLDERS`` plus one
  ``deadlines.<rule>`` per clock the enquiry has running), never model instances.
* ``fill_letter`` renders a template version with it and returns plain text (what the
  adviser sees in the composer and may edit), plus the placeholders left without a value.
* ``letter_html`` and ``letter_css`` turn that text into the document
  ``casework.desk.pdf.render_pdf`` renders:
  letterhead, address block, date, reference, title, body, signature, page numbers. The
  text is escaped and then sanitised (nh3): nothing anyone typed becomes markup.
"""

import functools
import html
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.utils import timezone

from casework.clocks.selectors import KeyDateView, key_date_list
from casework.desk.pdf import sanitise_fragment
from casework.models import Case
from enquiries.models import Enquiry
from knowledgebase.letter_engine import (
    PLACEHOLDERS,
    adviser_instructions,
    deadline_placeholder,
    missing_placeholders,
    render_letter_template,
)
from knowledgebase.models import LetterTemplateVersion

# Words in a contact's accessibility needs that mean "offer large print".
LARGE_PRINT_HINTS = re.compile(
    r"large[\s-]*print|big print|larger (?:text|type|font)|visual(?:ly)? impair|"
    r"partially sighted|sight loss|low vision|blind",
    re.IGNORECASE,
)


SIGN_OFFS = ("yours sincerely", "yours faithfully", "best wishes", "kind regards")


def wants_large_print(accessibility_needs: str) -> bool:
    """Whether the contact's stated needs mention large print or a visual impairment."""
    return bool(LARGE_PRINT_HINTS.search(accessibility_needs or ""))


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or "").strip()


def letter_signatory(enquiry: Enquiry, actor: User | None) -> User | None:
    """Who signs: the adviser holding the enquiry, else whoever issues the letter."""
    return enquiry.assigned_to if enquiry.assigned_to_id else actor


def letter_context(
    *,
    enquiry: Enquiry,
    actor: User | None,
    case: Case | None = None,
    today: date | None = None,
    key_dates: list[KeyDateView] | None = None,
) -> dict[str, Any]:
    """The plain values a letter may use (see ``knowledgebase.letter_engine.PLACEHOLDERS``).

    The asset comes from the case when it names one, else from the enquiry. A clock with
    more than one start (two notices) gives the latest start's end. ``key_dates``: the
    enquiry's, already read (``key_date_lists``), else they are read here.
    """
    today = today or timezone.localdate()
    organisation = enquiry.organisation
    deadlines: dict[str, date] = {}
    if key_dates is None:
        key_dates = key_date_list(enquiry=enquiry, today=today)
    for key_date in key_dates:
        for deadline in key_date.deadlines:
            deadlines[deadline_placeholder(deadline.rule.slug).removeprefix("deadlines.")] = (
                deadline.end
            )
    asset_name = (case.asset_name if case and case.asset_name else enquiry.asset_name) or ""
    asset_address = (
        case.asset_address if case and case.asset_address else enquiry.asset_address
    ) or ""
    return {
        "today": today,
        "group": {
            "name": organisation.name if organisation else "",
            "type": organisation.get_org_type_display() if organisation else "",
        },
        "contact": {"name": enquiry.contact.name},
        "enquiry": {
            "reference": enquiry.reference,
            "subject": enquiry.subject,
            "received_on": timezone.localdate(enquiry.received_at),
        },
        "adviser": {"name": _name(letter_signatory(enquiry, actor))},
        "asset": {"name": asset_name, "address": " ".join(asset_address.split())},
        "service": {"name": settings.SERVICE_NAME},
        "deadlines": deadlines,
    }


@dataclass(frozen=True)
class FilledLetter:
    title: str
    body: str
    missing: list[str]


def _plain(rendered: str) -> str:
    # The engine escapes placeholder values for HTML; the composer edits plain text.
    return html.unescape(rendered).replace("\r\n", "\n").strip()


def fill_letter(*, version: LetterTemplateVersion, context: dict[str, Any]) -> FilledLetter:
    """The version's title and body with this letter's values, and what is missing."""
    missing = sorted(
        set(missing_placeholders(version.title, context))
        | set(missing_placeholders(version.body, context))
    )
    return FilledLetter(
        title=" ".join(_plain(render_letter_template(version.title, context)).split()),
        body=_plain(render_letter_template(version.body, context)),
        missing=missing,
    )


_NUMBERED = re.compile(r"^\s*(\d{1,2})[.)]\s+(.*)$")


_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")


def _is_heading(line: str, rest: list[str]) -> bool:
    """A short line without closing punctuation, followed by text: a section heading."""
    text = line.strip()
    return bool(rest) and 0 < len(text) <= 80 and text[-1] not in ".,:;!?"


def _block_html(lines: list[str]) -> str:
    """One block of text: an optional heading, then paragraphs and lists in turn (a run of
    lines starting ``1.`` or ``-`` is a list; other lines are a paragraph)."""
    lines = [line.strip() for line in lines if line.strip()]
    if not lines:
        return ""
    out = []
    if _is_heading(lines[0], lines[1:]):
        out.append(f"<h2>{html.escape(lines[0])}</h2>")
        lines = lines[1:]
    run: list[str] = []
    run_kind = None
    for line in [*lines, None]:
        match = line is not None and (_NUMBERED.match(line) or _BULLET.match(line))
        kind = (
            None
            if line is None
            else ("ol" if match and _NUMBERED.match(line) else "ul" if match else "p")
        )
        if run and kind != run_kind:
            if run_kind == "p":
                out.append("<p>" + "<br>".join(html.escape(item) for item in run) + "</p>")
            else:
                items = "".join(f"<li>{html.escape(item)}</li>" for item in run)
                out.append(f"<{run_kind}>{items}</{run_kind}>")
            run = []
        if line is not None:
            run.append(match.groups()[-1].strip() if match else line)
            run_kind = kind
    return "".join(out)


def _blocks(text: str) -> list[list[str]]:
    return [block.split("\n") for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


def body_html(text: str) -> tuple[str, str]:
    """The body as sanitised HTML, split into (main text, signature block).

    Blank lines separate paragraphs; a short first line without a full stop is a heading;
    lines starting ``1.`` or ``-`` make a list. The signature starts at "Yours sincerely".
    """
    blocks = _blocks(text.replace("\r\n", "\n"))
    split = len(blocks)
    for index, block in enumerate(blocks):
        if block[0].strip().lower().rstrip(",").startswith(SIGN_OFFS):
            split = index
            break
    main = "".join(_block_html(block) for block in blocks[:split])
    signature = "".join(
        "<p>" + "<br>".join(html.escape(line.strip()) for line in block if line.strip()) + "</p>"
        for block in blocks[split:]
    )
    return sanitise_fragment(main), sanitise_fragment(signature)


@functools.cache
def letter_css(large_print: bool) -> str:
    """The letter's stylesheet (standard or large print), the same for every letter, so a
    warm renderer parses each once (``casework.desk.pdf``)."""
    return render_to_string("casework/letters/letter_pdf.css", {"large_print": large_print})


def letter_html(
    *,
    enquiry: Enquiry,
    title: str,
    body: str,
    large_print: bool,
    letter_date: date | None = None,
) -> str:
    """The complete HTML document of a letter (A4, standard or large print), to render with
    ``letter_css(large_print)``."""
    main, signature = body_html(body)
    organisation = enquiry.organisation
    address = [enquiry.contact.name]
    if organisation is not None:
        address.append(organisation.name)
        if organisation.postcode:
            address.append(organisation.postcode.upper())
    return render_to_string(
        "casework/letters/letter_pdf.html",
        {
            "title": title,
            "reference": enquiry.reference,
            "letter_date": letter_date or timezone.localdate(),
            "address_lines": address,
            "body_html": main,
            "signature_html": signature,
            "large_print": large_print,
            "service_name": settings.SERVICE_NAME,
        },
    )


def describe_placeholder(name: str) -> str:
    """A missing placeholder in words, for the composer and error messages."""
    if name.startswith("deadlines."):
        return f"{{{{ {name} }}}} (no key date recorded that starts this clock)"
    return f"{{{{ {name} }}}} ({PLACEHOLDERS.get(name, 'no value').lower()})"


def missing_data_message(missing: list[str]) -> str:
    return (
        "This letter needs information the enquiry does not have yet. Add it to the "
        "enquiry (or record the key date), then write the letter again: "
        + "; ".join(describe_placeholder(name) for name in missing)
        + "."
    )


INSTRUCTION_QUOTE_LENGTH = 60


def quote_instruction(text: str) -> str:
    """A template's note to the adviser as quoted in messages: cut to a readable length,
    with "…" only when it was cut."""
    if len(text) <= INSTRUCTION_QUOTE_LENGTH:
        return text
    return text[: INSTRUCTION_QUOTE_LENGTH - 1].rstrip() + "…"


def instructions_left(*, title: str, body: str) -> list[str]:
    """The template's notes to the adviser ("[Write your advice here …]") still in the
    letter, quoted: the composer lists them beside the missing data, before issue."""
    return [quote_instruction(text) for text in adviser_instructions(f"{title}\n{body}")]


def needs_adviser_text(version: LetterTemplateVersion) -> bool:
    """A template with a note to the adviser needs their own words in each letter, so it
    cannot be issued in bulk."""
    return bool(adviser_instructions(f"{version.title}\n{version.body}"))


def instruction_message(instructions: list[str]) -> str:
    """Why a letter carrying the template's note to the adviser is refused."""
    more = len(instructions) - 1
    return (
        f"The letter still has the template's instruction “{quote_instruction(instructions[0])}”"
        + (f" and {more} more" if more else "")
        + ": replace it with your own text."
    )


BULK_NEEDS_ADVISER_TEXT = (
    "This letter needs the adviser's own text in each letter (it has a note in square "
    "brackets for them to replace): write those one by one from each enquiry, not in bulk."
)
