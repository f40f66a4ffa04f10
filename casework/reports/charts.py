"""Server-rendered SVG charts (pygal), no JavaScript. Each chart has a ``<title>`` and
``<desc>``; the page shows it as an image with alternative text and the table under it,
which carries the same figures for screen readers and for anyone who wants exact values.
"""

import base64
import re

import pygal
from pygal.style import Style

from casework.reports.tables import Cell, Table

MAX_BARS = 12
SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
# pygal's per-point tooltip text, for its JavaScript: unused, and most of the file's size.
TOOLTIPS = re.compile(
    r'<desc class="(?:value|x_label|label|x centered|y centered)">.*?</desc>', re.DOTALL
)
# pygal's legend groups' ids, for its JavaScript: the same in every chart, so the board
# report's inline charts defined each anchor several times.
SERIES_IDS = re.compile(r' id="activate-serie-\d+"')
LONG_DECIMALS = re.compile(r"(\d\.\d)\d+")  # coordinates to 0.1 px: a third of the size
MAX_SERIES = 8

# Colour-blind-safe (Okabe-Ito) and dark enough on white; every value is also in the table.
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#0b0c0c",
    foreground_strong="#0b0c0c",
    foreground_subtle="#505a5f",
    colors=("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"),
    font_family="Helvetica, Arial, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    title_font_size=14,
)
CONFIG = {
    "style": STYLE,
    "js": [],  # no scripts: nothing runs, the tooltips are simply absent
    "disable_xml_declaration": True,
    "print_values": False,
    "width": 760,
    "height": 360,
    "truncate_label": 40,
    "truncate_legend": 40,
}


def _number(cell: Cell) -> float:
    return cell.value if isinstance(cell.value, int | float) else 0


def _bars(table: Table) -> pygal.HorizontalBar:
    column = table.chart_value_column
    chart = pygal.HorizontalBar(title=table.title, show_legend=False, **CONFIG)
    rows = table.rows[:MAX_BARS]
    chart.x_labels = [row[0].text() for row in rows][::-1]
    chart.add(table.columns[column], [_number(row[column]) for row in rows][::-1])
    return chart


def _buckets(table: Table) -> pygal.StackedBar:
    chart = pygal.StackedBar(title=table.title, x_label_rotation=30, show_legend=True, **CONFIG)
    chart.x_labels = table.columns[1:-1]
    rows = table.rows
    for row in rows[:MAX_SERIES]:
        chart.add(row[0].text(), [_number(c) for c in row[1:-1]])
    if len(rows) > MAX_SERIES:
        rest = [sum(_number(row[i]) for row in rows[MAX_SERIES:]) for i in range(1, len(row) - 1)]
        chart.add("Others", rest)
    return chart


def chart_svg(table: Table) -> str:
    """The chart as an SVG document (a string); empty when the table has nothing to draw."""
    if not table.chart or not table.rows:
        return ""
    chart = _bars(table) if table.chart == "bars" else _buckets(table)
    # pygal always writes an inline configuration <script>; nothing needs it (no JS).
    svg = TOOLTIPS.sub("", SCRIPT.sub("", chart.render(is_unicode=True)))
    svg = SERIES_IDS.sub("", svg)
    svg = LONG_DECIMALS.sub(r"\1", svg)
    desc = f"<desc>{_escape(alt_text(table))}</desc>"
    return svg.replace("</title>", "</title>" + desc, 1) if "</title>" in svg else svg


def alt_text(table: Table) -> str:
    what = "Bar chart" if table.chart == "bars" else "Stacked column chart"
    return f"{what}: {table.title}. The figures are in the table that follows."


def chart_data_uri(table: Table) -> str:
    """For the HTML page: an image (the site's CSP allows data: images, not inline styles)."""
    svg = chart_svg(table)
    if not svg:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
