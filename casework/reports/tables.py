"""The shape every report has: tables of cells, each cell optionally linking to the desk
queue's list of the enquiries behind it. Formats (HTML, CSV, PDF, JSON) render these."""

from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from casework.reports.params import ReportParams
from casework.reports.source import ReadSource
from enquiries.models import Status

ALL_STATUSES = [s.value for s in Status]


@dataclass
class Cell:
    value: int | float | str | None
    href: str = ""

    def text(self) -> str:
        if self.value is None:
            return "–"
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    description: str = ""
    # How to draw it: "bars" (first numeric column by row), "buckets" (stacked columns over
    # the bucket columns, a series per row) or "" (a table only).
    chart: str = ""
    chart_value_column: int = 1

    def add(self, *cells: Cell | int | float | str | None) -> None:
        self.rows.append([c if isinstance(c, Cell) else Cell(c) for c in cells])


@dataclass
class Report:
    name: str
    title: str
    params: ReportParams
    tables: list[Table]
    notes: list[str] = field(default_factory=list)
    # Which database the figures were read from, and as of when (set by build_report).
    source: ReadSource | None = None

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


@cache
def _queue_path() -> str:
    return reverse("casework:queue")


@lru_cache(maxsize=64)
def _base_query(params: ReportParams | None, any_status: bool) -> str:
    query: dict[str, object] = {"queue": "all"}
    if params is not None:
        query.update(params.queue_query())
    if any_status:
        query["status"] = ALL_STATUSES
    return urlencode(query, doseq=True)


def queue_link(params: ReportParams | None, *, any_status: bool = False, **extra: Any) -> str:
    """The desk queue (every visible enquiry) filtered as the report is, plus ``extra``
    (which replaces a report filter of the same name, except the topic: a row's topic is a
    top-level one, and with a topic filter the row holds only the filter's topic, which may
    be one of its sub-topics, so the filter stays)."""
    if params is not None and params.topic and "topic" in extra:
        extra = {k: v for k, v in extra.items() if k != "topic"}
    if params is not None and set(extra) & set(params.queue_query()):
        cleared: dict[str, Any] = {_FIELD.get(k, k): None for k in extra if k in _FIELD}
        params = replace(params, **cleared)
    base = _base_query(params, any_status)
    more = urlencode({k: v for k, v in extra.items() if v is not None}, doseq=True)
    return f"{_queue_path()}?{base}&{more}" if more else f"{_queue_path()}?{base}"


# Report filter name -> ReportParams field, for links that set one of them themselves.
_FIELD = {
    "team": "team",
    "adviser": "adviser",
    "topic": "topic",
    "area": "area",
    "region": "region",
    "channel": "channel",
}


def received_link(
    params: ReportParams, start: date | None = None, end: date | None = None, **extra: Any
) -> str:
    """Enquiries received in the period (or ``start``..``end``), whatever their status."""
    return queue_link(
        params,
        any_status=True,
        received_after=(start or params.date_from).isoformat(),
        received_before=(end or params.date_to).isoformat(),
        **extra,
    )


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
