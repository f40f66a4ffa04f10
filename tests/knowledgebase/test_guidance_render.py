"""Article Markdown to safe HTML, with statutory periods from the deadline rules."""

import datetime

import pytest

from knowledgebase.guidance.render import (
    RuleFacts,
    example_sentence,
    html_to_text,
    markdown_to_html,
    period_words,
    render_article,
    unknown_rules,
)

INTERIM = RuleFacts(
    "acv-interim-moratorium", 6, "weeks", "beginning_with",
    "Council receives the owner's notice of intended disposal",
)  # fmt: skip
FULL = RuleFacts("acv-full-moratorium", 6, "months", "beginning_with", "Council receives notice")
WINDOW = RuleFacts("np-reg14-consultation", 6, "weeks", "not_less_than", "Draft plan publicised")
DISPUTED = RuleFacts("crtc-timescale-notice", 30, "days", "from", "EOI received", disputed=True)
RULES = {rule.slug: rule for rule in [INTERIM, FULL, WINDOW, DISPUTED]}


def test_period_words_say_the_length():
    assert period_words(INTERIM) == "6 weeks"
    assert period_words(RuleFacts("x", 1, "years", "from", "x")) == "1 year"


def test_worked_example_uses_the_clock_arithmetic():
    # 6 weeks beginning with Monday 2 March 2026 (day 1) ends on Sunday 12 April 2026.
    assert example_sentence(INTERIM, datetime.date(2026, 3, 2)).endswith(
        "is Monday 2 March 2026, the period ends on Sunday 12 April 2026."
    )
    # 6 months beginning with 31 August 2025 ends on 28 February 2026 (short month).
    assert "ends on Saturday 28 February 2026" in example_sentence(FULL, datetime.date(2025, 8, 31))
    assert "can close no earlier than" in example_sentence(WINDOW, datetime.date(2026, 3, 2))


def test_a_disputed_rule_shows_the_earlier_reading():
    # 30 days from 1 June: 1 July; read "beginning with", 30 June. The earlier is shown.
    assert "ends on Tuesday 30 June 2026" in example_sentence(DISPUTED, datetime.date(2026, 6, 1))


def test_tokens_are_filled_and_an_example_day_can_be_chosen():
    rendered = render_article(
        "Lasts {{period:acv-interim-moratorium}}.\n\n{{example:acv-interim-moratorium:2026-01-05}}",
        RULES,
    )
    assert "<p>Lasts 6 weeks.</p>" in rendered.html
    assert "Monday 5 January 2026" in rendered.html
    assert "{{" not in rendered.text


def test_an_unknown_rule_is_refused_with_its_name():
    assert unknown_rules("{{period:nope}} {{example:acv-interim-moratorium}}", RULES) == ["nope"]
    with pytest.raises(ValueError, match="nope"):
        render_article("{{period:nope}}", RULES)


@pytest.mark.parametrize(
    "source, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", 'href="data'),
        ('<a href="https://evil.example" style="x">a</a>', "<a href"),
        ("# Heading one", "<h1"),
    ],
)
def test_no_markup_of_the_authors_own_reaches_the_page(source, forbidden):
    assert forbidden not in markdown_to_html(source)


def test_links_headings_and_lists_survive():
    page = markdown_to_html("## Steps\n\n1. Ask [Locality](https://locality.org.uk)\n2. Wait")
    assert "<h2>Steps</h2>" in page
    assert '<a href="https://locality.org.uk" rel="noopener noreferrer">Locality</a>' in page
    assert "<ol>" in page


def test_plain_text_keeps_words_and_drops_markup():
    text = html_to_text("<h2>A &amp; B</h2><p>One <strong>two</strong></p><ul><li>x</li></ul>")
    assert text == "A & B\nOne two\nx"
