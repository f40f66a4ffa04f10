"""PDF rendering with WeasyPrint, locked down for text that staff and groups wrote.

* Fetching is deny-by-default: ``DeskAssetFetcher`` serves only the named files
  of ``casework/letterhead/`` (``desk-asset:<name>``) and aborts the render on
  any other URL (``file:``, ``http:``, ``data:``, internal addresses alike), with
  no redirects.
* Text written by people is sanitised with nh3 (``sanitise_fragment``) before it
  is placed in a document: no images, links to resources, styles or scripts.
* No URL-bearing argument reaches WeasyPrint: HTML and CSS are strings, there is
  no ``base_url`` and no attachments.
* A render is size- and time-limited: input bytes, pages and output bytes are
  capped, and it runs in a separate process (started by a fork server that
  has WeasyPrint loaded) that is killed after ``RENDER_TIMEOUT_SECONDS``.

The PDF is tagged PDF/UA-1, with the title and language taken from the HTML.
"""

import mimetypes
import multiprocessing
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from pathlib import Path

import nh3
from weasyprint import CSS, HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

ASSET_SCHEME = "desk-asset:"


ASSETS_DIR = Path(__file__).resolve().parent / "letterhead"


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


class DeskAssetFetcher(URLFetcher):
    """Serves the letterhead's own files and refuses everything else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=set(), allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith(ASSET_SCHEME) and (name := url[len(ASSET_SCHEME) :]) in ALLOWED_ASSETS:
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, body=(ASSETS_DIR / name).read_bytes(), headers={"Content-Type": content_type}
            )
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


def _render(html: str, css: str) -> RenderedPdf:
    fetcher = DeskAssetFetcher()
    document = HTML(string=html, url_fetcher=fetcher).render(
        stylesheets=[CSS(string=css, url_fetcher=fetcher)] if css else None
    )
    if len(document.pages) > MAX_PAGES:
        raise RenderError(f"the document has {len(document.pages)} pages; at most {MAX_PAGES}")
    pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    if len(pdf) > MAX_PDF_BYTES:
        raise RenderError("the PDF is larger than allowed")
    return RenderedPdf(content=pdf, pages=len(document.pages))


def _child(connection: Connection, html: str, css: str) -> None:
    try:
        connection.send(("ok", _render(html, css)))
    except FatalURLFetchingError as error:  # ours, or WeasyPrint's for a failing fetcher
        connection.send(("refused", str(error)))
    except Exception as error:  # reported to the parent, which raises it
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def _context() -> ForkServerContext:
    # A fork server, not a plain fork: forking a multi-threaded web worker can
    # deadlock the child. The server preloads this module, so a render starts fast.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


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
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, html, css), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise RenderError(f"rendering took longer than {timeout:g} seconds")
        outcome, payload = receiver.recv()
    except EOFError:
        raise RenderError("the renderer stopped unexpectedly") from None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if outcome == "refused":
        raise RenderRefused(payload)
    if outcome == "error":
        raise RenderError(payload)
    return payload
