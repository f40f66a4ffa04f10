"""PDF rendering with WeasyPrint, locked down for text that staff and groups wrote.

* Fetching is deny-by-default: ``DeskAssetFetcher`` serves only the named files
  of ``casework/letterhead/`` (``desk-asset:<name>``) and aborts the render on
  any other URL (``file:``, ``http:``, ``data:``, internal addresses alike), with
  no redirects.
* Text written by people is sanitised with nh3 (``sanitise_fragment``) before it
  is placed in a document: no images, links to resources, styles or scripts.
* No URL-bearing argument reaches WeasyPrint: HTML and CSS are strings, there is
  no ``base_url`` and no attachments.
* A render is size-, time- and memory-limited: input bytes, pages and output bytes
  are capped, and it runs in a warm renderer process of this process's pool
  (``casework.desk.renderers``), killed and replaced if it takes longer than
  ``RENDER_TIMEOUT_SECONDS``, under an address-space limit, and recycled after a
  failure, after ``PDF_RENDER_RECYCLE_AFTER`` documents or when its memory grows.
  A renderer keeps only WeasyPrint's font configuration and parsed stylesheets
  (``css``) between documents; a document that declares ``@font-face`` gets its
  own font configuration.

The PDF is tagged PDF/UA-1, with the title and language taken from the HTML.
"""

import atexit
import functools
import mimetypes
import os
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nh3
from django.conf import settings
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from casework.desk.renderers import RendererDied, RendererTimedOut, RenderPool

ASSET_SCHEME = "desk-asset:"


# The letterhead's files: casework/letterhead/, beside the desk frame that renders them.
ASSETS_DIR = Path(__file__).resolve().parent.parent / "letterhead"


ALLOWED_ASSETS = frozenset({"logo.svg"})


MAX_HTML_BYTES = 500_000


MAX_PAGES = 40


MAX_PDF_BYTES = 10_000_000


RENDER_TIMEOUT_SECONDS = 30


# What a letter's body may contain: structure and emphasis, nothing that fetches.
ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "caption",
    "hr",
    "span",
}


class RenderError(Exception):
    """The document could not be rendered within the limits."""


class RenderRefused(Exception):
    """The document asked for something outside the allow-list, so it was not rendered.

    An ordinary ``Exception`` (not a ``RenderError``: the document broke no limit, it is
    wrong), so that ``except Exception`` in a view, a task or Django's own handler sees it.
    """


class FetchRefused(FatalURLFetchingError):
    """Raised by ``DeskAssetFetcher`` inside WeasyPrint to stop the render at once.

    WeasyPrint swallows a fetcher's ordinary exceptions (a missing image is a warning), so
    this derives from its ``FatalURLFetchingError``, a ``BaseException``. It never leaves
    this module: the child process reports it and ``render_pdf`` raises ``RenderRefused``.
    """


class AssetMissing(FatalURLFetchingError):
    """An allowed letterhead file is not on disk: the render stops (an error, not a refusal)
    rather than WeasyPrint's default of a warning and a letter without its letterhead."""


class DeskAssetFetcher(URLFetcher):
    """Serves the letterhead's own files and refuses everything else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=set(), allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith(ASSET_SCHEME) and (name := url[len(ASSET_SCHEME) :]) in ALLOWED_ASSETS:
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            try:
                body = (ASSETS_DIR / name).read_bytes()
            except OSError as error:
                raise AssetMissing(f"the letterhead file {name} cannot be read: {error}") from None
            return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})
        raise FetchRefused(f"refused to fetch {url[:80]!r}")


def sanitise_fragment(html: str) -> str:
    """Keep only structural, non-fetching markup from text people wrote."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"th": {"scope"}, "td": {"colspan", "rowspan"}},
        url_schemes=set(),
        strip_comments=True,
        link_rel=None,
    )


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int


# Per renderer process: one font configuration and the stylesheets already parsed, so a
# warm renderer pays for neither again (letters pass their stylesheet as ``css``).
_shared_fonts: FontConfiguration | None = None


FONT_FACE = re.compile(r"@font-face", re.IGNORECASE)


def _fonts() -> FontConfiguration:
    global _shared_fonts
    if _shared_fonts is None:
        _shared_fonts = FontConfiguration()
    return _shared_fonts


@functools.lru_cache(maxsize=16)
def _stylesheet(css: str) -> CSS:
    return CSS(string=css, url_fetcher=DeskAssetFetcher(), font_config=_fonts())


def _render(html: str, css: str) -> RenderedPdf:
    fetcher = DeskAssetFetcher()
    if FONT_FACE.search(html) or FONT_FACE.search(css):
        # @font-face adds fonts to the configuration the rule is read with: a document that
        # declares one gets a configuration of its own, so nothing it adds outlives it.
        fonts = FontConfiguration()
        stylesheets = [CSS(string=css, url_fetcher=fetcher, font_config=fonts)] if css else []
    else:
        fonts = _fonts()
        stylesheets = [_stylesheet(css)] if css else []
    document = HTML(string=html, url_fetcher=fetcher).render(
        stylesheets=stylesheets or None, font_config=fonts
    )
    if len(document.pages) > MAX_PAGES:
        raise RenderError(f"the document has {len(document.pages)} pages; at most {MAX_PAGES}")
    pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    if len(pdf) > MAX_PDF_BYTES:
        raise RenderError("the PDF is larger than allowed")
    return RenderedPdf(content=pdf, pages=len(document.pages))


# fontTools stamps each embedded font subset with the time unless this is set: with it, the
# same document always makes the same bytes (a letter's checksum can be reproduced).
FONT_TIMESTAMP = "1577836800"  # 2020-01-01T00:00:00Z


def render_job(html: str, css: str) -> tuple[str, RenderedPdf | str]:
    """What a renderer process runs for one document (``renderers.RenderPool``'s work)."""
    os.environ["SOURCE_DATE_EPOCH"] = FONT_TIMESTAMP  # the renderer's own environment
    try:
        return ("ok", _render(html, css))
    except AssetMissing as error:
        return ("error", str(error))
    except FatalURLFetchingError as error:  # ours, or WeasyPrint's for a failing fetcher
        return ("refused", str(error))
    except Exception as error:  # reported to the caller, which raises it
        return ("error", f"{type(error).__name__}: {error}")


_pool: RenderPool | None = None
_pool_lock = threading.Lock()


def render_pool() -> RenderPool:
    """This process's pool of warm renderers, started on first use with the settings'
    ``PDF_RENDER_*`` sizes and limits."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid():  # a forked child starts its own
            _pool = RenderPool(
                work=render_job,
                size=settings.PDF_RENDER_POOL_SIZE,
                recycle_after=settings.PDF_RENDER_RECYCLE_AFTER,
                recycle_rss_bytes=settings.PDF_RENDER_RECYCLE_RSS_MB * 1024 * 1024,
                memory_limit_bytes=settings.PDF_RENDER_MEMORY_LIMIT_MB * 1024 * 1024,
                preload=(__name__,),
            )
        return _pool


def render_pool_close() -> None:
    """Stop this process's renderers; the next render starts a pool from the settings."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None and pool.pid == os.getpid():
        pool.close()


atexit.register(render_pool_close)


def render_pdf(html: str, *, css: str = "", timeout: float = RENDER_TIMEOUT_SECONDS) -> bytes:
    """Render a complete HTML document (title and ``lang`` set) to tagged PDF bytes.

    Raises ``RenderRefused`` if the document asks for a resource outside the
    allow-list and ``RenderError`` if it breaks a limit or cannot be rendered; both are
    ``Exception`` subclasses (unlike WeasyPrint's ``FatalURLFetchingError``).
    """
    return render_pdf_document(html, css=css, timeout=timeout).content


def render_pdf_document(
    html: str, *, css: str = "", timeout: float = RENDER_TIMEOUT_SECONDS
) -> RenderedPdf:
    """``render_pdf``, with the number of pages as well."""
    if len(html.encode()) + len(css.encode()) > MAX_HTML_BYTES:
        raise RenderError("the document is larger than allowed")
    try:
        outcome, payload = render_pool().run((html, css), timeout=timeout)
    except RendererTimedOut:
        raise RenderError(f"rendering took longer than {timeout:g} seconds") from None
    except RendererDied as error:
        raise RenderError(str(error)) from None
    if outcome == "refused":
        raise RenderRefused(payload)
    if outcome == "error":
        raise RenderError(payload)
    return payload


def render_pdf_documents(
    documents: Sequence[tuple[str, str]], *, timeout: float = RENDER_TIMEOUT_SECONDS
) -> list[RenderedPdf | RenderError | RenderRefused]:
    """Render many ``(html, css)`` documents at once, as many in parallel as the pool has
    renderers; each answer is the PDF or the error ``render_pdf_document`` would raise."""

    def one(document: tuple[str, str]) -> RenderedPdf | RenderError | RenderRefused:
        try:
            return render_pdf_document(document[0], css=document[1], timeout=timeout)
        except (RenderError, RenderRefused) as error:
            return error

    if len(documents) < 2:
        return [one(document) for document in documents]
    with ThreadPoolExecutor(max_workers=min(render_pool().size, len(documents))) as threads:
        return list(threads.map(one, documents))
