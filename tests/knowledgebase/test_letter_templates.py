"""Shipped guidance letters, versioning, and who may edit them."""

import importlib
import io
import re
from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from casework.letters import services as letters_services
from knowledgebase.letter_engine import render_letter_template, validate_letter_template
from knowledgebase.models import LetterTemplate, LetterTemplateVersion
from knowledgebase.selectors import (
    letter_template_current,
    letter_template_placeholders,
    letter_templates_for,
)
from knowledgebase.services import letter_template_publish

pytestmark = pytest.mark.django_db

corrections = importlib.import_module(
    "knowledgebase.migrations.0011_letter_templates_legal_wording"
)
review_periods = importlib.import_module(
    "knowledgebase.migrations.0012_nomination_letter_review_periods"
)
CORRECTED = {"acv-interim-moratorium", "acv-how-to-nominate", "np-area-application"}
NEWEST = {"acv-how-to-nominate": 3}  # corrected again by 0012

WORKED_EXAMPLE = {
    "today": date(2026, 3, 5),
    "contact": {"name": "Sam Green"},
    "group": {"name": "Friends of the Red Lion", "type": "Community group"},
    "enquiry": {
        "reference": "CR-2026-000123",
        "subject": "Our pub is for sale",
        "received_on": date(2026, 3, 3),
    },
    "adviser": {"name": "Ada Bryant"},
    "asset": {"name": "The Red Lion", "address": "1 High Street, Market Rasen"},
    "service": {"name": "Community Rights Desk"},
    "deadlines": {
        "acv_interim_moratorium": date(2026, 4, 12),
        "acv_full_moratorium": date(2026, 9, 1),
        "acv_protected_period": date(2027, 9, 1),
        "np_area_representations": date(2026, 4, 14),
        "np_area_decision": date(2026, 6, 3),
    },
}


def newest_text(slug: str, context: dict = WORKED_EXAMPLE) -> str:
    """The newest version of a shipped letter, filled in, on one line."""
    current = letter_template_current(LetterTemplate.objects.get(slug=slug))
    return " ".join(render_letter_template(current.body, context).split())


def test_at_least_six_templates_ship_and_each_is_valid():
    allowed = letter_template_placeholders()
    templates = LetterTemplate.objects.filter(is_active=True)
    assert templates.count() >= 6
    for template in templates:
        current = letter_template_current(template)
        assert current.number == NEWEST.get(template.slug, 2 if template.slug in CORRECTED else 1)
        validate_letter_template(current.body, allowed)
        validate_letter_template(current.title, allowed)
        text = render_letter_template(current.body, WORKED_EXAMPLE)
        assert "Sam Green" in text and "CR-2026-000123" in text and "Ada Bryant" in text


def test_interim_moratorium_letter_gives_the_worked_example_dates_and_law():
    current = letter_template_current(LetterTemplate.objects.get(slug="acv-interim-moratorium"))
    text = render_letter_template(current.body, WORKED_EXAMPLE)
    assert "12 April 2026" in text
    assert "1 September 2026" in text
    assert "1 September 2027" in text
    assert "Localism Act 2011, section 95" in text
    assert "community interest group" in text
    assert render_letter_template(current.title, WORKED_EXAMPLE) == (
        "The sale of The Red Lion: your deadlines"
    )


# --- the legal wording, corrected in a second version (migration 0011) ----------------------


def test_every_correction_applied_to_the_shipped_text_and_the_first_version_is_kept():
    for slug, fixes in corrections.FIXES.items():
        first, second, *_ = LetterTemplateVersion.objects.filter(template__slug=slug).order_by(
            "number"
        )
        for old, new in fixes:
            assert old in first.body and old not in second.body
            assert new in second.body
        assert second.title == first.title and second.created_by is None
    for slug, fixes in review_periods.FIXES.items():
        *_, before, newest = LetterTemplateVersion.objects.filter(template__slug=slug).order_by(
            "number"
        )
        for old, new in fixes:
            assert old in before.body and old not in newest.body and new in newest.body
        assert newest.title == before.title and newest.created_by is None


def test_interim_letter_says_no_later_than_the_last_day_and_counts_from_the_notice_day():
    text = newest_text("acv-interim-moratorium")

    assert "the last day for a community interest group to ask" in text.lower()
    assert "12 April 2026" in text
    assert "team no later than 12 April 2026 (the last day), saying" in text
    assert "before 12 April 2026" not in text
    assert (
        "runs until 1 September 2026, six months beginning with the date the council "
        "received the owner's notice" in text
    )
    assert "six months from" not in text
    assert (
        "cannot start a new moratorium until after 1 September 2027, the last day of the "
        "protected period (18 months beginning with the date the council received the "
        "owner's notice)" in text
    )
    assert "moratorium before" not in text


def test_interim_letter_pdf_prints_the_corrected_wording(submit, adviser):
    from casework.clocks.services import key_date_record

    enquiry = submit(subject="Our pub is for sale")
    key_date_record(
        enquiry=enquiry,
        trigger="disposal-notice-received",
        date=date(2026, 3, 2),
        actor=adviser.user,
    )
    version = letter_template_current(LetterTemplate.objects.get(slug="acv-interim-moratorium"))
    pdf = letters_services.letter_preview(
        enquiry=enquiry,
        template_version=version,
        body_override=None,
        large_print=False,
        actor=adviser.user,
    )
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())

    assert "no later than 12 April 2026 (the last day)" in text
    assert "six months beginning with the date the council received" in text
    assert "until after 1 September 2027, the last day of the protected period" in text
    assert not re.search(r"before 12 April|moratorium before|six months from", text)


def test_nomination_letter_says_only_a_community_interest_group_can_trigger_the_moratorium():
    text = newest_text("acv-how-to-nominate")

    assert "your group then has six weeks" not in text
    assert "A community interest group then has six weeks" in text
    assert (
        "Only a community interest group can: a parish council, a charity, a community "
        "interest company, or a company limited by guarantee or community benefit society "
        "that does not distribute profits to its members." in text
    )
    assert (
        "an unincorporated group of at least 21 members registered to vote locally may "
        "nominate an asset, but cannot trigger the full moratorium" in text
    )


def test_area_letter_says_must_and_that_the_date_shown_is_for_a_single_council():
    text = newest_text("np-area-application")

    assert "should decide" not in text
    assert (
        "must decide within 13 weeks, beginning with the day after it first publicised the "
        "application, or within 20 weeks if the area falls within more than one council's "
        "area." in text
    )
    assert "If the area is within a single council's area, that is by 3 June 2026" in text
    assert "the council has 20 weeks, so its deadline is seven weeks later" in text
    without_date = dict(WORKED_EXAMPLE, deadlines={})
    assert "single council" not in newest_text("np-area-application", without_date)


def test_nomination_letter_says_when_the_review_periods_start():
    text = newest_text("acv-how-to-nominate")

    assert (
        "may ask the council to review the listing within eight weeks beginning with the day "
        "they are given notice of it; the council then has eight weeks, beginning with the day "
        "it receives the request (or longer if the owner agrees), to complete the review." in text
    )


def test_the_review_period_wording_is_reversible(manager):
    nominate = LetterTemplate.objects.get(slug="acv-how-to-nominate")
    review_periods.Migration.operations[0].reverse_code(apps, None)
    assert letter_template_current(nominate).number == 2
    review_periods.Migration.operations[0].code(apps, None)
    review_periods.Migration.operations[0].code(apps, None)  # nothing left: no fourth
    assert letter_template_current(nominate).number == 3


def test_the_corrections_are_reversible_and_leave_a_managers_later_version_alone(manager):
    review_periods.Migration.operations[0].reverse_code(apps, None)  # 0012 first, as Django
    corrections.withdraw_corrections(apps, None)
    for slug in CORRECTED:
        assert letter_template_current(LetterTemplate.objects.get(slug=slug)).number == 1
    corrections.publish_corrections(apps, None)
    corrections.publish_corrections(apps, None)  # nothing left to correct: no third version
    assert {
        letter_template_current(LetterTemplate.objects.get(slug=slug)).number for slug in CORRECTED
    } == {2}

    area = LetterTemplate.objects.get(slug="np-area-application")
    letter_template_publish(
        template=area, title="Your area", body="Dear {{ contact.name }},", actor=manager.user
    )
    corrections.withdraw_corrections(apps, None)
    assert letter_template_current(area).number == 3  # the manager's text stays


def test_editing_makes_a_new_version_and_keeps_the_old(manager):
    template = LetterTemplate.objects.get(slug="general-reply")
    first = letter_template_current(template)
    second = letter_template_publish(
        template=template,
        title="Re: {{ enquiry.reference }}",
        body="Dear {{ contact.name }}, hello.",
        actor=manager.user,
    )
    assert second.number == 2 and second.created_by == manager.user
    first.refresh_from_db()
    assert first.body.startswith("Dear {{ contact.name }},")
    assert letter_template_current(template) == second


def test_a_bad_template_is_refused_and_nothing_is_saved(manager):
    template = LetterTemplate.objects.get(slug="general-reply")
    with pytest.raises(ValidationError, match="Unknown placeholder"):
        letter_template_publish(
            template=template, title="x", body="{{ settings.SECRET_KEY }}", actor=manager.user
        )
    with pytest.raises(ValidationError):
        letter_template_publish(
            template=template, title="x", body="{% load static %}", actor=manager.user
        )
    assert template.versions.count() == 1


def test_advisers_use_templates_but_cannot_edit_them(adviser):
    template = LetterTemplate.objects.get(slug="general-reply")
    with pytest.raises(PermissionDenied):
        letter_template_publish(template=template, title="x", body="y", actor=adviser.user)
    assert template.versions.count() == 1


def test_templates_for_the_enquiry_topic_come_first(topics):
    ordered = list(letter_templates_for(topics["acv-notice-of-sale"]))
    assert ordered[0].slug == "acv-interim-moratorium"
    via_parent = [t.slug for t in letter_templates_for(topics["right-to-bid"])]
    assert via_parent[0] != "general-reply"


def test_manager_edits_a_template_in_the_admin(client, manager):
    manager.user.is_staff = True
    manager.user.save(update_fields=["is_staff"])
    client.force_login(manager.user)
    template = LetterTemplate.objects.get(slug="general-reply")
    url = f"/admin/knowledgebase/lettertemplate/{template.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert "deadlines.acv_interim_moratorium" in page.content.decode()

    form = {
        "name": template.name,
        "slug": template.slug,
        "topic": "",
        "description": "",
        "is_active": "on",
        "title": "Your enquiry",
        "body": "Dear {{ contact.name }}, hi.",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "1",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
        "versions-0-id": str(letter_template_current(template).pk),
        "versions-0-template": str(template.pk),
    }
    bad = client.post(url, {**form, "body": "{{ user.password }}"})
    assert bad.status_code == 200 and "Unknown placeholder" in bad.content.decode()
    assert template.versions.count() == 1

    good = client.post(url, form)
    assert good.status_code == 302
    assert letter_template_current(template).body == "Dear {{ contact.name }}, hi."
    assert LetterTemplateVersion.objects.filter(template=template).count() == 2


def test_the_template_admin_lists_each_placeholder_with_what_it_holds(client, manager):
    from html.parser import HTMLParser

    from knowledgebase.letter_engine import PLACEHOLDERS

    class Rows(HTMLParser):
        """The placeholder table's header cells and (name, description) rows."""

        def __init__(self):
            super().__init__()
            self.inside, self.cells, self.rows, self.headers, self.caption = False, [], [], [], ""
            self.cell = None

        def handle_starttag(self, tag, attrs):
            if tag == "table" and ("class", "letter-placeholders") in attrs:
                self.inside = True
            elif self.inside and tag in ("th", "td", "caption"):
                self.cell = [tag, dict(attrs).get("scope"), ""]

        def handle_data(self, data):
            if self.cell is not None:
                self.cell[2] += data

        def handle_endtag(self, tag):
            if not self.inside:
                return
            if tag == "table":
                self.inside = False
            elif self.cell is not None and tag == self.cell[0]:
                kind, scope, text = self.cell
                if kind == "caption":
                    self.caption = text
                elif scope == "col":
                    self.headers.append(text)
                else:
                    self.cells.append(text.strip())
                self.cell = None
            elif tag == "tr" and self.cells:
                self.rows.append(tuple(self.cells))
                self.cells = []

    manager.user.is_staff = True
    manager.user.save(update_fields=["is_staff"])
    client.force_login(manager.user)
    template = LetterTemplate.objects.get(slug="acv-interim-moratorium")
    for url in (
        f"/admin/knowledgebase/lettertemplate/{template.pk}/change/",
        "/admin/knowledgebase/lettertemplate/add/",
    ):
        page = client.get(url)
        assert page.status_code == 200
        table = Rows()
        table.feed(page.content.decode())
        rows = dict(table.rows)

        assert table.headers == ["Placeholder", "What it holds"]
        assert "What each placeholder prints" in table.caption
        for name, description in PLACEHOLDERS.items():
            assert rows["{{ " + name + " }}"] == description
        assert rows["{{ deadlines.acv_interim_moratorium }}"] == (
            "End date: Interim moratorium: last day for a community interest group to ask in "
            "writing to be treated as a potential bidder"
        )
        assert set(rows) == {"{{ " + name + " }}" for name in letter_template_placeholders()}
        assert '<th scope="row"><code>{{ contact.name }}</code></th>' in page.content.decode()


def test_advisers_cannot_open_the_template_admin(client, adviser):
    adviser.user.is_staff = True
    adviser.user.save(update_fields=["is_staff"])
    client.force_login(adviser.user)
    assert client.get("/admin/knowledgebase/lettertemplate/").status_code == 403
