"""An article's Markdown to safe HTML and plain text, with statutory periods filled in.

Pure: no database. The periods come from the deadline rules (the same data and
arithmetic as the desk's clocks, ``knowledgebase.periods``), passed in as
``RuleFacts``, so an article never types "6 weeks" twice:

* ``{{period:acv-interim-moratorium}}`` becomes "6 weeks";
* ``{{example:acv-interim-moratorium}}`` becomes a worked example from
  ``EXAMPLE_START``, or from a day of the author's choosing with
  ``{{example:acv-interim-moratorium:2026-03-02}}``.

Markdown is CommonMark (markdown-it-py) with raw HTML off, and its output is
sanitised again with nh3 to an allow-list: nothing an author types reaches a page
as markup of their own.
"""

import datetime
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

from knowledgebase.periods import Counting, Unit, cautious_end

TOKEN = re.compile(
    r"\{\{\s*(?P<kind>period|example):(?P<slug>[a-z0-9-]+)(?::(?P<start>\d{4}-\d{2}-\d{2}))?\s*\}\}"
)
# A Monday, so a worked example reads naturally; a fixed day keeps pages cacheable.
EXAMPLE_START = datetime.date(2026, 3, 2)

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


@dataclass(frozen=True)
class RuleFacts:
    """What an article needs of a deadline rule."""

    slug: str
    length: int
    unit: str
    counting: str
    trigger_event: str
    disputed: bool = False


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str


def period_words(rule: RuleFacts) -> str:
    label = Unit(rule.unit).label
    return f"{rule.length} {label.rstrip('s') if rule.length == 1 else label}"


def example_sentence(rule: RuleFacts, start: datetime.date) -> str:
    computed = cautious_end(start, rule.length, rule.unit, rule.counting, disputed=rule.disputed)
    event = rule.trigger_event[:1].lower() + rule.trigger_event[1:]
    verb = (
        "it can close no earlier than"
        if rule.counting == Counting.NOT_LESS_THAN
        else "the period ends on"
    )
    return (
        f"For example, if the start ({event}) is {start:%A %-d %B %Y}, "
        f"{verb} {computed.end:%A %-d %B %Y}."
    )


def unknown_rules(source: str, rules: Mapping[str, RuleFacts]) -> list[str]:
    """The rule slugs ``source`` names that ``rules`` does not have, in order."""
    seen: list[str] = []
    for match in TOKEN.finditer(source):
        slug = match["slug"]
        if slug not in rules and slug not in seen:
            seen.append(slug)
    return seen


def fill_periods(source: str, rules: Mapping[str, RuleFacts]) -> str:
    missing = unknown_rules(source, rules)
    if missing:
        raise ValueError(f"No deadline rule called {', '.join(missing)}.")

    def replace(match: re.Match[str]) -> str:
        rule = rules[match["slug"]]
        if match["kind"] == "period":
            return period_words(rule)
        start = datetime.date.fromisoformat(match["start"]) if match["start"] else EXAMPLE_START
        return example_sentence(rule, start)

    return TOKEN.sub(replace, source)


def markdown_to_html(source: str) -> str:
    return nh3.clean(
        _MARKDOWN.render(source),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


_BLOCK_END = re.compile(r"</(p|li|h[2-4]|pre|blockquote)>|<br>|<hr>")
_SPACES = re.compile(r"[ \t]+")


def html_to_text(fragment: str) -> str:
    spaced = _BLOCK_END.sub(lambda m: m.group() + "\n", fragment)
    text = html.unescape(nh3.clean(spaced, tags=set()))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def render_article(source: str, rules: Mapping[str, RuleFacts]) -> Rendered:
    """Raises ``ValueError`` naming any deadline rule the text refers to that does not exist."""
    page = markdown_to_html(fill_periods(source, rules))
    return Rendered(html=page, text=html_to_text(page))
