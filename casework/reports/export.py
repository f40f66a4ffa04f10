"""CSV export of a report table. Cells that a spreadsheet would run as a formula (starting
with =, +, -, @, a tab or a carriage return) are prefixed with a single quote."""

import csv
import io

from casework.reports.tables import Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """Text is neutralised; numbers (ours, never user-authored) stay numbers, e.g. -5."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([neutralise(cell.value) for cell in row])
    return out.getvalue()
