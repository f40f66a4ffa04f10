"""A report table's header and rows as HTML, built in Python: the Django template loop
over thousands of cells was most of a page's time (docs/performance.md, "Reports").
Every piece of text and every link is escaped here."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from casework.reports.tables import Table


def table_html(table: Table, *, links: bool = True) -> SafeString:
    head = "".join(f'<th scope="col">{escape(c or "Figure")}</th>' for c in table.columns)
    rows = []
    for row in table.rows:
        cells = [f'<th scope="row">{escape(row[0].text())}</th>']
        for cell in row[1:]:
            text = escape(cell.text())
            if links and cell.href:
                cells.append(f'<td class="n"><a href="{escape(cell.href)}">{text}</a></td>')
            else:
                cells.append(f'<td class="n">{text}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe(  # noqa: S308 - every value above went through escape()
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
    )
