"""The warm render pool: renderers are reused, and still limited in time and memory, recycled
after a fault, after N documents or on memory growth, and carry nothing from one letter to
the next (a letter after hostile ones is byte-identical to one from a fresh renderer)."""

import os
import signal
from contextlib import contextmanager

import pytest

from casework.desk import pdf
from casework.desk.pdf import RenderError, RenderRefused, render_pdf, render_pdf_documents
from casework.desk.renderers import RendererDied, RendererTimedOut, RenderPool
from tests import render_jobs

CSS = """
@page { size: A4; margin: 20mm;
        @bottom-center { content: "Page " counter(page) " of " counter(pages); } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 11pt; }
"""

LETTER = (
    '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
    '<meta name="dcterms.created" content="2026-12-01T09:00:00Z">'
    "<title>Guidance letter CR-2026-000123</title></head><body>"
    '<img src="desk-asset:logo.svg" alt="Community Rights Desk">'
    "<h1>Your pub and the Right to Bid</h1>"
    + "<p>The interim moratorium ends on 12 April 2026; the full one on 1 September.</p>" * 8
    + "</body></html>"
)

MB = 1024 * 1024


def hostile(body: str, head: str = "") -> str:
    return (
        f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>x</title>'
        f"{head}</head><body>{body}</body></html>"
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child the pool has joined is gone; one not yet reaped is a zombie.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


@pytest.fixture
def fresh_pool(settings):
    """The desk's own pool, started afresh from the settings (and stopped after)."""
    pdf.render_pool_close()
    yield settings
    pdf.render_pool_close()


@contextmanager
def bare_pool(work, *, memory_limit_bytes=0):
    """A pool of one renderer running ``work`` (from ``tests.render_jobs``), closed after."""
    pool = RenderPool(
        work=work,
        size=1,
        recycle_after=10,
        recycle_rss_bytes=10**12,
        memory_limit_bytes=memory_limit_bytes,
    )
    try:
        yield pool
    finally:
        pool.close()


def renderer_pids() -> list[int]:
    return [s.pid for s in pdf.render_pool().stats()]


def test_a_warm_renderer_serves_one_document_after_another(fresh_pool):
    first = render_pdf(LETTER, css=CSS)
    for _ in range(3):
        assert render_pdf(LETTER, css=CSS) == first
    pool = pdf.render_pool()
    assert pool.started == 1
    [stats] = pool.stats()
    assert stats.jobs == 4 and stats.peak_rss_bytes > 10 * MB


def test_an_overrun_is_killed_and_the_next_document_gets_a_new_renderer(fresh_pool):
    render_pdf(LETTER, css=CSS)
    [warm] = renderer_pids()
    with pytest.raises(RenderError, match="longer than"):
        render_pdf(LETTER.replace("</body>", "<p>x</p>" * 3000 + "</body>"), timeout=0.01)
    assert not alive(warm)
    assert render_pdf(LETTER, css=CSS).startswith(b"%PDF-")
    assert renderer_pids() != [warm]
    assert pdf.render_pool().started == 2


def test_a_renderer_killed_from_outside_is_reported_and_replaced(fresh_pool):
    with bare_pool(render_jobs.sleep) as pool:
        _, pid = pool.run((0,), timeout=10)

        os.kill(pid, signal.SIGKILL)
        with pytest.raises(RendererDied):
            pool.run((0,), timeout=10)

        assert pool.run((0,), timeout=10)[1] != pid


def test_a_refused_document_retires_its_renderer_and_the_next_is_still_refused(fresh_pool):
    render_pdf(LETTER, css=CSS)
    [warm] = renderer_pids()
    with pytest.raises(RenderRefused):
        render_pdf(hostile('<img src="file:///etc/passwd">'))
    assert not alive(warm)
    # The deny-by-default fetcher holds in a renderer that has already served a letter.
    render_pdf(LETTER, css=CSS)
    with pytest.raises(RenderRefused):
        render_pdf(hostile("<p>x</p>"), css="body { background: url(http://127.0.0.1:9/x) }")


def test_renderers_are_recycled_after_n_documents(fresh_pool):
    fresh_pool.PDF_RENDER_RECYCLE_AFTER = 2
    pids = []
    for _ in range(4):
        render_pdf(LETTER, css=CSS)
        pids.append(tuple(renderer_pids()))
    assert pids[0] != () and pids[1] == () and pids[2] != () and pids[3] == ()
    assert pids[0] != pids[2]
    assert pdf.render_pool().started == 2


def test_renderers_are_recycled_when_their_memory_grows_past_the_threshold(fresh_pool):
    fresh_pool.PDF_RENDER_RECYCLE_RSS_MB = 1  # every renderer is past it after one letter
    render_pdf(LETTER, css=CSS)
    render_pdf(LETTER, css=CSS)
    assert renderer_pids() == []
    assert pdf.render_pool().started == 2


def test_each_renderer_runs_under_the_address_space_limit():
    with bare_pool(render_jobs.run, memory_limit_bytes=512 * MB) as pool:
        assert pool.run(("address_space_limit",), timeout=30) == ("ok", 512 * MB)
        outcome, message = pool.run(("allocate", 1024), timeout=30)
        assert outcome == "error" and message.startswith("MemoryError")
        assert pool.stats() == []  # the renderer that ran out is not kept
        assert pool.run(("allocate", 64), timeout=30) == ("ok", 64 * MB)
        assert pool.started == 2


def test_the_desk_pool_takes_its_limits_from_the_settings(fresh_pool):
    fresh_pool.PDF_RENDER_POOL_SIZE = 3
    fresh_pool.PDF_RENDER_MEMORY_LIMIT_MB = 1536
    pool = pdf.render_pool()
    assert (pool.size, pool.memory_limit_bytes) == (3, 1536 * MB)


def test_a_forked_process_starts_its_own_pool(fresh_pool, monkeypatch):
    parent = pdf.render_pool()
    monkeypatch.setattr(parent, "pid", parent.pid + 1)  # as if this process were its child
    assert pdf.render_pool() is not parent
    monkeypatch.undo()
    parent.close()


def test_the_pool_times_out_a_job_and_kills_the_renderer():
    with bare_pool(render_jobs.sleep) as pool:
        with pytest.raises(RendererTimedOut):
            pool.run((30,), timeout=0.5)
        assert pool.stats() == [] and pool.started == 1
        assert pool.run((0,), timeout=10)[0] == "ok"
        assert pool.started == 2


def test_a_failed_answer_retires_the_renderer():
    with bare_pool(render_jobs.fail) as pool:
        assert pool.run((), timeout=10) == ("error", "the work said no")
        assert pool.stats() == []


def test_many_documents_render_in_parallel_each_with_its_own_answer(fresh_pool):
    fresh_pool.PDF_RENDER_POOL_SIZE = 2
    answers = render_pdf_documents(
        [(LETTER, CSS), (hostile('<img src="file:///etc/passwd">'), ""), (LETTER, CSS)] * 2
    )
    assert [type(a).__name__ for a in answers] == ["RenderedPdf", "RenderRefused"] * 1 + [
        "RenderedPdf",
        "RenderedPdf",
        "RenderRefused",
        "RenderedPdf",
    ]
    assert answers[0].content == answers[2].content == answers[5].content
    assert 2 <= pdf.render_pool().started <= 4  # two at a time, plus the refused ones' retirees


# Documents that succeed but would leave something behind in a renderer that kept state.
HOSTILE = [
    # Redefines the family every letter uses (with the one file the fetcher serves, which
    # is no font): a shared font configuration would keep the broken face.
    hostile(
        "<p>which face now?</p>",
        '<style>@font-face { font-family: "DejaVu Sans"; src: url(desk-asset:logo.svg); }'
        "body { font-family: 'DejaVu Sans' }</style>",
    ),
    hostile("<p>x</p>"),
    hostile('<p style="font-family: DejaVu Sans Mono; font-size: 40pt">big</p>' * 30),
    hostile("<ol>" + "<li>item</li>" * 200 + "</ol>"),
]


def test_a_letter_after_hostile_ones_is_byte_identical_to_one_from_a_fresh_renderer(
    fresh_pool,
):
    fresh_pool.PDF_RENDER_POOL_SIZE = 1
    fresh = render_pdf(LETTER, css=CSS)
    pdf.render_pool_close()

    render_pdf(LETTER, css=CSS)
    [warm] = renderer_pids()
    render_pdf(
        hostile("<p>x</p>"),
        css='@font-face { font-family: "DejaVu Sans"; src: url(desk-asset:logo.svg); }',
    )
    for document in HOSTILE:
        render_pdf(document)
    assert renderer_pids() == [warm]  # the same renderer served them all
    assert render_pdf(LETTER, css=CSS) == fresh
    with pytest.raises(RenderRefused):
        render_pdf(hostile('<img src="http://127.0.0.1:9/x">'))
    assert render_pdf(LETTER, css=CSS) == fresh
