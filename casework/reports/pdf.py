"""The board report as a PDF: every manager report for a period, charts and tables.

Rendered by ``casework.desk.pdf.render_pdf`` (the letters' locked-down fetcher, limits and
separate process). The HTML is generated here from figures and names; every piece of text
is escaped (group and area names are user-authored), and the charts are inline SVG that
this module generated, so nothing is fetched and nothing needs the sanitiser.
"""

import itertools
import re
from dataclasses import replace

from django.template.loader import render_to_string
from django.utils import timezone

from casework.desk.pdf import render_pdf
from casework.reports.charts import chart_svg
from casework.reports.flow import bucket_starts
from casework.reports.html import table_html
from casework.reports.params import ReportParams
from casework.reports.tables import Report

CSS = """
@page {
  size: A4 landscape; margin: 14mm;
  @bottom-right { content: counter(page) " of " counter(pages); font-size: 9pt; }
}
body { font-family: Helvetica, Arial, sans-serif; font-size: 9.5pt; color: #0b0c0c; }
h1 { font-size: 20pt; margin: 0 0 4mm; }
h2 { font-size: 15pt; break-before: page; margin: 0 0 3mm; }
h3 { font-size: 11.5pt; margin: 6mm 0 2mm; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; }
th, td { border: 0.5pt solid #b1b4b6; padding: 1mm 1.5mm; text-align: left; }
td.n { text-align: right; }
figure { margin: 0 0 2mm; break-inside: avoid; }
figure svg { width: 170mm; height: auto; }
p.note { color: #505a5f; }
"""

# pygal's id for a chart (its stylesheet's selectors name it): one made per drawing, so a
# chart drawn once and shown twice (the same figures in two reports) would repeat it.
CHART_ID = re.compile(r'id="(chart-[0-9a-f-]+)"')
MAX_PDF_ROWS = 40
# The most bucket columns a board report takes: every period the filters allow fits by month
# (three years span at most 38 months), or about five weeks by day. The flow tables and
# charts grow with the columns; at 60 by day the HTML reached ``casework.desk.pdf``'s input limit
# and took two thirds of its time limit to lay out.
MAX_BOARD_BUCKETS = 38


def board_too_wide(params: ReportParams) -> str:
    """Why the board report for ``params`` is refused before it is built ("" if it is not)."""
    columns = len(bucket_starts(params))
    if columns <= MAX_BOARD_BUCKETS:
        return ""
    return (
        f"Grouped by {params.bucket}, this period makes {columns} columns, and the board "
        f"report takes at most {MAX_BOARD_BUCKETS}: choose a shorter period or a wider "
        "bucket (week or month)."
    )


def _numbered(svg: str, number: int) -> str:
    """The chart with an id of its own in the document (every use of pygal's renamed)."""
    found = CHART_ID.search(svg)
    return svg.replace(found.group(1), f"chart-{number}") if found else svg


def board_report_html(reports: list[Report], params: ReportParams) -> str:
    sections = []
    numbers = itertools.count()
    for report in reports:
        tables = []
        for table in report.tables:
            tables.append(
                {
                    "table": table,
                    "svg": _numbered(chart_svg(table), next(numbers)),
                    "html": table_html(replace(table, rows=table.rows[:MAX_PDF_ROWS]), links=False),
                    "cut": max(len(table.rows) - MAX_PDF_ROWS, 0),
                }
            )
        sections.append({"report": report, "tables": tables})
    return render_to_string(
        "casework/reports/board.html",
        {
            "sections": sections,
            "params": params,
            "made_at": timezone.localtime(),
            "source_notes": list(
                dict.fromkeys(r.source.note() for r in reports if r.source and r.source.note())
            ),
        },
    )


def board_report_pdf(reports: list[Report], params: ReportParams) -> bytes:
    """Raises ``casework.desk.pdf.RenderError`` when the document breaks a size, page or time
    limit, and ``RenderRefused`` (a ``BaseException``) if it asked to fetch anything."""
    return render_pdf(board_report_html(reports, params), css=CSS)
