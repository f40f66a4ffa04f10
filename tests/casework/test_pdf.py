"""The locked-down PDF renderer: real PDFs read back, and every way out refused."""

import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from casework.desk import pdf
from casework.desk.pdf import (
    MAX_PAGES,
    AssetMissing,
    DeskAssetFetcher,
    FetchRefused,
    RenderError,
    RenderRefused,
    render_pdf,
    sanitise_fragment,
)

CSS = """
@page { size: A4; margin: 20mm;
        @bottom-center { content: "Page " counter(page) " of " counter(pages); } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 11pt; }
"""


def document(body: str, *, title: str = "Guidance letter CR-2026-000123") -> str:
    return (
        f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body>{body}</body></html>"
    )


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def test_letter_renders_as_tagged_pdf_with_title_language_and_page_numbers():
    body = (
        '<img src="desk-asset:logo.svg" alt="Community Rights Desk">'
        "<p>Dear Sam Green,</p><p>Reference: CR-2026-000123</p>"
        + "<p>The interim moratorium ends on 12 April 2026.</p>"
        * 60
    )
    reader = read(render_pdf(document(body), css=CSS))

    pages = len(reader.pages)
    assert pages > 1
    first = reader.pages[0].extract_text()
    assert "Dear Sam Green" in first and "CR-2026-000123" in first
    assert f"Page 1 of {pages}" in first
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    assert reader.metadata.title == "Guidance letter CR-2026-000123"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root


@pytest.mark.parametrize(
    "body",
    [
        '<img src="file:///etc/passwd">',
        '<link rel="attachment" href="file:///etc/passwd">',
        '<a rel="attachment" href="file:///etc/passwd">x</a>',
        "<style>@import url(file:///etc/passwd);</style>",
        '<div style="background: url(file:///etc/passwd)">x</div>',
        '<img src="data:image/svg+xml;base64,PHN2Zy8+">',
        '<img src="desk-asset:../../config/settings.py">',
        '<object data="file:///etc/hostname"></object>',
    ],
)
def test_any_other_resource_aborts_the_render(body):
    with pytest.raises(RenderRefused):
        render_pdf(document(body))


def test_a_refused_render_is_an_ordinary_exception_though_it_stops_weasyprint_at_once():
    """WeasyPrint only stops for its ``FatalURLFetchingError``, a ``BaseException`` that
    ``except Exception`` (views, tasks, Django's handler) would let through: it stays inside
    the renderer, and callers get ``RenderRefused``, an ``Exception``."""
    assert issubclass(FatalURLFetchingError, BaseException)
    assert not issubclass(FatalURLFetchingError, Exception)
    with pytest.raises(FetchRefused):  # in WeasyPrint: fatal, not a warning and a blank
        page = document('<img src="file:///etc/passwd">')
        HTML(string=page, url_fetcher=DeskAssetFetcher()).render()

    caught = None
    try:
        render_pdf(document('<img src="file:///etc/passwd">'))
    except Exception as error:  # what every caller catches
        caught = error
    assert isinstance(caught, RenderRefused) and not isinstance(caught, RenderError)
    assert "file:///etc/passwd" in str(caught)


def test_a_stylesheet_cannot_fetch_either():
    with pytest.raises(RenderRefused):
        render_pdf(document("<p>x</p>"), css="body { background: url(file:///etc/passwd) }")


def test_internal_addresses_are_never_contacted():
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server API)
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/secret.png"
        for body in (
            f'<img src="{url}">',
            f'<link rel="stylesheet" href="{url}">',
            f"<style>@import '{url}';</style>",
        ):
            with pytest.raises(RenderRefused):
                render_pdf(document(body))
    finally:
        server.shutdown()
    assert hits == []


def test_sanitiser_keeps_structure_and_drops_everything_that_fetches():
    dirty = (
        '<p onclick="x()">Hello <strong>group</strong></p><ul><li>one</li></ul>'
        '<img src="file:///etc/passwd"><link rel="attachment" href="/x">'
        "<style>@import url(http://127.0.0.1/)</style><script>alert(1)</script>"
        '<a href="http://127.0.0.1/">link</a><div style="background:url(x)">d</div>'
    )
    clean = sanitise_fragment(dirty)
    assert "<p>Hello <strong>group</strong></p><ul><li>one</li></ul>" in clean
    for banned in ("onclick", "<img", "<link", "<style", "<script", "href", "style=", "url("):
        assert banned not in clean
    # What the sanitiser lets through renders without a single fetch.
    assert read(render_pdf(document(clean)))


def test_limits_on_size_pages_and_time():
    with pytest.raises(RenderError, match="larger"):
        render_pdf(document("<p>x</p>" * 100_000))
    with pytest.raises(RenderError, match="pages"):
        render_pdf(document('<p style="break-after: page">x</p>' * (MAX_PAGES + 5)))
    with pytest.raises(RenderError, match="longer than"):
        render_pdf(document("<p>x</p>" * 2000), timeout=0.01)


def test_the_letterhead_logo_is_served_and_drawn():
    response = DeskAssetFetcher().fetch("desk-asset:logo.svg")
    assert b"<svg" in response.read()
    with_logo = read(render_pdf(document('<img src="desk-asset:logo.svg" alt="Logo"><p>x</p>')))
    without = read(render_pdf(document("<p>x</p>")))
    # The SVG's own words are drawn on the page.
    assert "Community Rights Desk" in with_logo.pages[0].extract_text()
    assert "Community Rights Desk" not in without.pages[0].extract_text()


def test_a_missing_letterhead_file_stops_the_render_instead_of_dropping_the_logo(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(pdf, "ASSETS_DIR", tmp_path)
    with pytest.raises(AssetMissing, match="logo.svg"):
        DeskAssetFetcher().fetch("desk-asset:logo.svg")
    # In a renderer (which reads the module's folder, not this test's patch) the same rule
    # turns into a RenderError, not a refusal.
    assert pdf.render_job('<img src="desk-asset:logo.svg" alt="Logo">', "")[0] == "error"
