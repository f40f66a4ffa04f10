"""Server-rendered SVG charts (pygal), no JavaScript. Each chart has a ``<title>`` and
``<desc>``; the page shows it as an image with alternative text and the table under it,
which carries the same figures for screen readers and for anyone who wants exact values.
"""

import base64
import functools
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


# What a chart is drawn from: kind, title, columns, the bars' value column, and each
# row's label and numbers. Tables with the same figures make the same chart.
ChartSpec = tuple[str, str, tuple[str, ...], int, tuple[tuple[str, tuple[float, ...]], ...]]


def _number(cell: Cell) -> float:
    return cell.value if isinstance(cell.value, int | float) else 0


def _spec(table: Table) -> ChartSpec:
    rows = tuple((row[0].text(), tuple(_number(c) for c in row[1:])) for row in table.rows)
    return (table.chart, table.title, tuple(table.columns), table.chart_value_column, rows)


def _bars(spec: ChartSpec) -> pygal.HorizontalBar:
    _, title, columns, column, rows = spec
    chart = pygal.HorizontalBar(title=title, show_legend=False, **CONFIG)
    shown = rows[:MAX_BARS]
    chart.x_labels = [label for label, _ in shown][::-1]
    chart.add(columns[column], [numbers[column - 1] for _, numbers in shown][::-1])
    return chart


def _buckets(spec: ChartSpec) -> pygal.StackedBar:
    _, title, columns, _, rows = spec
    chart = pygal.StackedBar(title=title, x_label_rotation=30, show_legend=True, **CONFIG)
    chart.x_labels = columns[1:-1]
    for label, numbers in rows[:MAX_SERIES]:
        chart.add(label, list(numbers[:-1]))
    if len(rows) > MAX_SERIES:
        width = len(rows[0][1]) - 1  # the bucket columns, not the total
        rest = [sum(numbers[i] for _, numbers in rows[MAX_SERIES:]) for i in range(width)]
        chart.add("Others", rest)
    return chart


def chart_svg(table: Table) -> str:
    """The chart as an SVG document (a string); empty when the table has nothing to draw.
    The same figures draw the same chart, so each process keeps the last charts drawn:
    pygal takes about 20 ms a chart, most of a report page's time after its SQL."""
    if not table.chart or not table.rows:
        return ""
    return _drawn(_spec(table), alt_text(table))


@functools.lru_cache(maxsize=256)
def _drawn(spec: ChartSpec, alt: str) -> str:
    chart = _bars(spec) if spec[0] == "bars" else _buckets(spec)
    # pygal always writes an inline configuration <script>; nothing needs it (no JS).
    svg = TOOLTIPS.sub("", SCRIPT.sub("", chart.render(is_unicode=True)))
    svg = SERIES_IDS.sub("", svg)
    svg = LONG_DECIMALS.sub(r"\1", svg)
    desc = f"<desc>{_escape(alt)}</desc>"
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
