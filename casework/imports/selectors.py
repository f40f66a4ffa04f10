"""Reading import runs for the managers' pages and the command."""

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from casework.imports.columns import FIELDS
from casework.models import ImportRun

LABELS = {f.name: f.label for f in FIELDS}
VERDICT_WORDS = {
    "new": "New",
    "existing": "Already imported",
    "error": "Error",
    "blank": "Blank",
}


def field_label(name: str) -> str:
    return LABELS.get(name, name)


def runs() -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("source", "started_by").defer("verdicts")


def errors(run: ImportRun) -> list[list[Any]]:
    return [v for v in run.verdicts if v[1] == "error"]


def column_words(run: ImportRun, field: str) -> str:
    """The field, and the file's column it was read from."""
    heading = run.source.mapping.get(field, "") if field else ""
    return f"{field_label(field)} ({heading})" if heading else field_label(field)


def error_rows(run: ImportRun) -> list[tuple[int, str, str]]:
    """Each error: the row, the column (field and heading) and why."""
    return [(row, column_words(run, field), reason) for row, _, field, reason in errors(run)]


def verdict_rows(run: ImportRun) -> Iterator[list[Any]]:
    """Every row's verdict, for a spreadsheet: rows the check kept a verdict for, and
    "new" for the rest."""
    yield ["Row", "Verdict", "Column", "Reason"]
    kept: dict[int, list[list[Any]]] = {}
    for verdict in run.verdicts:
        kept.setdefault(verdict[0], []).append(verdict)
    for number in range(2, run.rows_total + 2):
        for row, verdict, field, reason in kept.get(number, [[number, "new", "", ""]]):
            yield [row, VERDICT_WORDS.get(verdict, verdict), column_words(run, field), reason]
