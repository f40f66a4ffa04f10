"""The style guide: staff only; its tokens are the stylesheet's, and every text colour pair in
use reaches WCAG 2.2 AA."""

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from casework.styleguide import compose

URL = "/desk/styleguide/"


def stylesheet() -> str:
    found = finders.find("css/desk.css")
    assert found
    return Path(found).read_text()


def root_properties() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", stylesheet(), re.S)
    assert root
    body = re.sub(r"/\*.*?\*/", "", root.group(1), flags=re.S)
    return {name: value.strip() for name, value in re.findall(r"--([\w-]+)\s*:\s*([^;]+);", body)}


class Outline(HTMLParser):
    """Headings in order, ids, and whatever sits inside <main>."""

    def __init__(self):
        super().__init__()
        self.headings, self.ids, self.in_main, self.scripts_in_main, self.styles = [], [], 0, 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if "style" in attrs or tag == "style":
            self.styles += 1
        if tag == "main":
            self.in_main += 1
        elif tag == "script" and self.in_main:
            self.scripts_in_main += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main -= 1


def test_the_url_is_named():
    assert reverse("casework:styleguide") == URL


@pytest.mark.django_db
def test_staff_see_the_style_guide_and_it_is_not_stored(client, adviser):
    client.force_login(adviser.user)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    for component in ["swatch-brand", "badge-warn", "disclosure", "side-panel", "composer"]:
        assert component in page
    assert "This field is required." in page


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={URL}"


@pytest.mark.django_db
def test_signed_in_user_without_a_desk_role_is_refused(client, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
def test_page_has_one_h1_headings_in_order_unique_ids_and_no_inline_style_or_script(
    client, manager
):
    client.force_login(manager.user)
    outline = Outline()
    outline.feed(client.get(URL).content.decode())
    assert outline.headings.count(1) == 1 and outline.headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:], strict=False))
    assert [i for i, n in Counter(outline.ids).items() if n > 1] == []
    assert outline.scripts_in_main == 0
    assert outline.styles == 0


def test_the_colour_list_is_the_stylesheets_root():
    root = root_properties()
    colours = {name: value for name, value in root.items() if value.startswith("#")}
    assert colours == {c.token: c.value for c in compose.COLOURS}


def test_the_spacing_and_type_scales_are_the_stylesheets():
    root = root_properties()
    assert {t: v for t, v in root.items() if t.startswith("space-")} == dict(compose.SPACING)
    assert {t: v for t, v in root.items() if t.startswith("text-")} == {
        token: size for token, size, _use in compose.TYPE_SCALE
    }


def test_every_text_colour_pair_reaches_aa():
    pairs = compose.text_pairs()
    assert pairs and all(pair.ratio >= 4.5 for pair in pairs), [p for p in pairs if not p.passes]
    # Every colour but --line (never text, never behind text) is in a pair: none unchecked.
    in_pairs = {name for pair in compose.TEXT_PAIRS for name in pair}
    assert {c.token for c in compose.COLOURS} - in_pairs == {"line"}


def test_contrast_is_wcags_formula():
    assert compose.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert compose.contrast("#ffffff", "#ffffff") == pytest.approx(1)
    assert compose.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_every_colour_has_a_swatch_class():
    css = stylesheet()
    for colour in compose.COLOURS:
        assert f".swatch-{colour.token} {{ background: var(--{colour.token}); }}" in css


def test_the_style_guide_reads_only_what_every_desk_page_does(
    client, adviser, django_assert_max_num_queries
):
    """The session, the user and their roles: no data of its own."""
    client.force_login(adviser.user)
    client.get(URL)
    with django_assert_max_num_queries(6):
        assert client.get(URL).status_code == 200
