"""Guidance letters: the context, the PDF read back, issuing and its options.

PDFs are read back with pypdf: names, reference, deadline dates, page numbers, title and
language metadata, tagging, large print; nothing from another group reaches a letter.
"""

import hashlib
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from casework.clocks.services import key_date_record
from casework.letters import batches as letters_batches
from casework.letters import compose as letters_compose
from casework.letters import services as letters_services
from casework.letters.compose import body_html, letter_context, wants_large_print
from casework.models import Letter
from enquiries.models import Attachment, EnquiryEvent, Message, Notification
from knowledgebase.letter_engine import ADVISER_INSTRUCTION, unfilled_placeholders
from knowledgebase.models import LetterTemplateVersion
from tests.factories import EnquiryFactory

pytestmark = pytest.mark.django_db


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def version(slug: str) -> LetterTemplateVersion:
    return LetterTemplateVersion.objects.filter(template__slug=slug).order_by("-number").first()


@pytest.fixture
def notice(mine, adviser):
    """The council received the owner's notice of sale ten days ago: the moratorium runs."""
    return key_date_record(
        enquiry=mine,
        trigger="disposal-notice-received",
        date=timezone.localdate() - timedelta(days=10),
        actor=adviser.user,
    )


def deadline_of(context: dict, name: str) -> date:
    return context["deadlines"][name]


def issue(enquiry, actor, slug="acv-interim-moratorium", **options):
    filled = letters_services.letter_compose(
        enquiry=enquiry, template_version=version(slug), actor=actor
    )
    return letters_services.letter_issue(
        enquiry=enquiry,
        template_version=version(slug),
        title=options.pop("title", filled.title),
        body=options.pop("body", written(filled.body)),
        large_print=options.pop("large_print", False),
        actor=actor,
        **options,
    )


def written(body: str) -> str:
    """The adviser's own advice in place of the template's instruction to write it."""
    return ADVISER_INSTRUCTION.sub("You can nominate the pub as an asset.", body)


# --- the context and the text -----------------------------------------------------------------


def test_context_holds_plain_values_and_the_computed_deadlines(mine, adviser, notice):
    context = letter_context(enquiry=mine, actor=adviser.user)

    assert context["contact"] == {"name": "Sam Green"}
    assert context["group"]["name"] == "Friends of the Red Lion"
    assert context["enquiry"]["reference"] == mine.reference
    assert context["asset"] == {"name": "The Red Lion", "address": "1 High Street, Market Rasen"}
    assert context["adviser"]["name"] == adviser.user.get_full_name()
    interim = deadline_of(context, "acv_interim_moratorium")
    assert interim == notice.date + timedelta(weeks=6) - timedelta(days=1)

    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        return isinstance(value, str | date)

    assert plain(context)


@pytest.mark.parametrize(
    ("needs", "expected"),
    [
        ("Large print please", True),
        ("I am partially sighted", True),
        ("visual impairment", True),
        ("Step-free access", False),
        ("", False),
    ],
)
def test_large_print_is_offered_when_the_needs_say_so(needs, expected):
    assert wants_large_print(needs) is expected


def test_text_becomes_headings_lists_and_paragraphs_and_markup_stays_text():
    main, signature = body_html(
        "Dear Sam,\n\nWhat to do now\n1. Write to the council.\n2. Get a valuation.\n\n"
        '<img src="file:///etc/passwd"> <script>x</script>\n\nYours sincerely,\n\nAda'
    )
    assert "<h2>What to do now</h2>" in main
    assert "<ol><li>Write to the council.</li><li>Get a valuation.</li></ol>" in main
    assert "<img" not in main and "<script" not in main
    assert "&lt;img" in main
    assert signature == "<p>Yours sincerely,</p><p>Ada</p>"


def test_a_placeholder_only_tested_by_if_is_not_missing_but_a_printed_one_is(mine):
    context = {"asset": {"name": "", "address": ""}, "deadlines": {}}
    source = (
        "{% if asset.name %}{{ asset.name }}{% else %}your asset{% endif %} "
        '{{ asset.address|default:"no address" }} {{ deadlines.acv_interim_moratorium }}'
    )
    assert unfilled_placeholders(source, context) == ["deadlines.acv_interim_moratorium"]


# --- the PDF --------------------------------------------------------------------------------


def test_issued_letter_pdf_has_names_reference_deadlines_and_metadata(mine, adviser, notice):
    letter = issue(mine, adviser.user)

    letter.refresh_from_db()
    assert letter.state == Letter.State.ISSUED
    content = letter.pdf.read()
    assert hashlib.sha256(content).hexdigest() == letter.sha256
    assert letter.size == len(content)
    reader = read(content)
    assert letter.pages == len(reader.pages)
    text = text_of(reader)
    context = letter_context(enquiry=mine, actor=adviser.user)
    assert "Sam Green" in text and "Friends of the Red Lion" in text
    assert mine.reference in text
    assert adviser.user.get_full_name() in text
    for name in ("acv_interim_moratorium", "acv_full_moratorium"):
        assert f"{deadline_of(context, name):%-d %B %Y}" in text
    assert f"Page 1 of {len(reader.pages)}" in reader.pages[0].extract_text()
    assert reader.metadata.title == f"{letter.title} ({mine.reference})"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
    assert letter.issued_by == adviser.user and letter.issued_at is not None
    assert letter.template_version == version("acv-interim-moratorium")


def test_long_letter_numbers_its_pages(mine, adviser):
    body = "Dear Sam Green,\n\n" + "\n\n".join(
        f"Paragraph {n}: the owner may not sell to anyone but a community interest group "
        "during the full moratorium, and need not accept your price." * 3
        for n in range(25)
    )
    pdf = letters_services.letter_preview(
        enquiry=mine,
        template_version=version("general-reply"),
        body_override=body,
        large_print=False,
        actor=adviser.user,
    )
    reader = read(pdf)
    pages = len(reader.pages)
    assert pages >= 2
    assert f"Page 1 of {pages}" in reader.pages[0].extract_text()
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    # The footer's reference (carried from page 1 by the stylesheet) is on every page.
    for page in reader.pages:
        assert f"Reference {mine.reference}" in page.extract_text()


def _body_font_size(pdf: bytes) -> float:
    """The size most of page 1's text is set in (pypdf reports it in user-space units)."""
    weights: dict[float, int] = {}

    def visitor(text, cm, tm, font_dict, font_size):
        size = round(font_size * tm[0], 1)
        weights[size] = weights.get(size, 0) + len(text.strip())

    read(pdf).pages[0].extract_text(visitor_text=visitor)
    return max(weights, key=weights.get)


def test_large_print_has_bigger_type_and_more_pages(mine, adviser, notice):
    common = {
        "enquiry": mine,
        "template_version": version("acv-interim-moratorium"),
        "body_override": None,
        "actor": adviser.user,
    }
    standard = letters_services.letter_preview(large_print=False, **common)
    large = letters_services.letter_preview(large_print=True, **common)

    # 10.5pt body text against 16pt: half as large again, at least.
    assert _body_font_size(large) >= 1.5 * _body_font_size(standard)
    assert len(read(large).pages) > len(read(standard).pages)


def test_letter_holds_nothing_from_another_group(mine, adviser):
    theirs = EnquiryFactory(
        contact__name="Olivia Other",
        contact__organisation__name="Other Village Hall",
        asset_name="The Other Arms",
    )
    letter = issue(mine, adviser.user, slug="general-reply")
    text = text_of(read(letter.pdf.read()))
    for theirs_only in ("Olivia Other", "Other Village Hall", "The Other Arms", theirs.reference):
        assert theirs_only not in text
    assert "Sam Green" in text


def test_text_cannot_reach_local_files_through_the_letter(mine, adviser):
    pdf = letters_services.letter_preview(
        enquiry=mine,
        template_version=version("general-reply"),
        body_override='Dear Sam,\n\n<img src="file:///etc/passwd"><link rel="attachment" '
        'href="file:///etc/passwd"> <style>@import url(http://127.0.0.1/x);</style>',
        large_print=False,
        actor=adviser.user,
    )
    reader = read(pdf)
    assert "root:" not in text_of(reader)
    assert '<img src="file:///etc/passwd">' in text_of(reader).replace("\n", "")
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))


# --- issuing --------------------------------------------------------------------------------


def test_issue_is_refused_while_placeholders_are_missing_naming_them(mine, adviser):
    with pytest.raises(ValidationError) as refused:
        issue(mine, adviser.user)  # no notice recorded: no moratorium dates

    message = refused.value.message_dict["body"][0]
    assert "deadlines.acv_interim_moratorium" in message
    assert "deadlines.acv_full_moratorium" in message
    assert not Letter.objects.exists()


def test_issue_records_the_event_and_reissue_makes_a_new_letter(mine, adviser, notice):
    first = issue(mine, adviser.user)
    second = issue(mine, adviser.user, body="Dear Sam Green,\n\nA corrected letter.")

    assert first.pk != second.pk
    first.refresh_from_db()
    assert "A corrected letter" not in first.body
    events = EnquiryEvent.objects.filter(enquiry=mine, kind=EnquiryEvent.Kind.LETTER_ISSUED)
    assert sorted(e.data["letter"] for e in events) == [first.pk, second.pk]
    assert all(e.actor == adviser.user for e in events)


def test_publish_puts_the_pdf_on_the_enquiry_and_emails_the_group(
    mine, adviser, notice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        letter = issue(mine, adviser.user, publish=True)

    message = Message.objects.get(enquiry=mine, submission_key=f"letter:{letter.pk}")
    assert message.body == f"We have sent you a letter: {letter.title}"
    attachment = message.attachments.get()
    assert attachment.sha256 == letter.sha256 and attachment.content_type == "application/pdf"
    assert EnquiryEvent.objects.filter(
        enquiry=mine, kind=EnquiryEvent.Kind.LETTER_PUBLISHED, data__letter=letter.pk
    ).exists()
    notification = Notification.objects.get(kind=Notification.Kind.LETTER_ISSUED)
    assert notification.recipient == "sam@example.org" and notification.sent_at is not None
    sent = [m for m in mail.outbox if m.subject.startswith(f"[{mine.reference}] We have sent")]
    assert len(sent) == 1 and sent[0].to == ["sam@example.org"]
    assert letter.title in sent[0].body and "/track/" in sent[0].body
    assert not Notification.objects.filter(kind=Notification.Kind.UPDATE_PUBLISHED).exists()


def test_email_sends_the_pdf_attached_from_a_staff_only_copy(
    mine, adviser, notice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        letter = issue(mine, adviser.user, email=True)

    attachment = Attachment.objects.get(enquiry=mine)
    assert attachment.message is None  # staff-only
    assert EnquiryEvent.objects.filter(
        enquiry=mine, kind=EnquiryEvent.Kind.LETTER_EMAILED, data__letter=letter.pk
    ).exists()
    (sent,) = [m for m in mail.outbox if "Our letter" in m.subject]
    (name, content, content_type) = sent.attachments[0]
    assert content_type == "application/pdf" and name.endswith(".pdf")
    assert hashlib.sha256(content).hexdigest() == letter.sha256
    assert not Message.objects.filter(enquiry=mine).exists()


def test_someone_without_a_desk_role_cannot_issue(mine, outsider):
    with pytest.raises(PermissionDenied):
        issue(mine, outsider, slug="general-reply")


def test_a_letter_still_carrying_the_templates_instruction_is_not_issued(mine, adviser):
    filled = letters_services.letter_compose(
        enquiry=mine, template_version=version("general-reply"), actor=adviser.user
    )
    assert ADVISER_INSTRUCTION.search(filled.body)  # the shipped general reply has one
    with pytest.raises(ValidationError, match="replace it with your own text"):
        letters_services.letter_issue(
            enquiry=mine,
            template_version=version("general-reply"),
            title=filled.title,
            body=filled.body,
            large_print=False,
            actor=adviser.user,
        )
    assert not Letter.objects.exists()
    # The preview still shows it as it stands, for the adviser to see what to replace.
    assert letters_services.letter_preview(
        enquiry=mine,
        template_version=version("general-reply"),
        body_override=None,
        large_print=False,
        actor=adviser.user,
    ).startswith(b"%PDF")


def test_a_template_that_needs_the_advisers_own_text_cannot_go_in_bulk(mine, manager):
    with pytest.raises(ValidationError, match="not in bulk"):
        letters_batches.letter_batch_create(
            template_version=version("general-reply"),
            enquiries=[mine],
            publish=False,
            actor=manager.user,
        )


def test_the_quoted_instruction_is_marked_as_cut_only_when_it_was():
    short = "[Write the date here]"
    long = "[Write your advice here in plain English: what the group asked, and more besides]"

    assert letters_compose.quote_instruction(short) == short
    quoted = letters_compose.quote_instruction(long)
    assert quoted.endswith("…") and len(quoted) <= letters_compose.INSTRUCTION_QUOTE_LENGTH
    assert long.startswith(quoted[:-1])
    assert letters_compose.instruction_message([short]) == (
        "The letter still has the template's instruction “[Write the date here]”: "
        "replace it with your own text."
    )
    assert " and 1 more:" in letters_compose.instruction_message([short, long])


def test_only_a_bracketed_instruction_counts_as_the_templates_note():
    assert letters_compose.instructions_left(
        title="Re: x", body="Dear Sam,\n\n[Add the dates]"
    ) == ["[Add the dates]"]
    for text in ("Write to the council [by 12 April].", "See [1].", "[Writer's note]"):
        assert letters_compose.instructions_left(title="Re: x", body=text) == []
