"""Files for the import tests: a service's history as messy as real exports are."""

import io

from openpyxl import Workbook

HEADINGS = [
    "Ref",
    "Date received",
    "Organisation",
    "Type",
    "Postcode",
    "Contact",
    "Email",
    "Phone",
    "How received",
    "Topic",
    "Council",
    "Subject",
    "Details",
    "Status",
    "Closed",
    "Advisor",
    "Outcome",
    "Notes",
]


def row(ref: str, **cells: str) -> list[str]:
    values = {
        "Ref": ref,
        "Date received": "31/01/2024",
        "Organisation": "Bardney Parish Council",
        "Type": "parish council",
        "Postcode": "ln3 5xa",
        "Contact": "Jo Bloggs",
        "Email": "jo@bardney.example",
        "Phone": "01526 123456",
        "How received": "Telephone",
        "Topic": "right to bid",
        "Council": "west-lindsey",
        "Subject": "Saving the Black Horse",
        "Details": "The pub is for sale.",
        "Status": "",
        "Closed": "",
        "Advisor": "",
        "Outcome": "",
        "Notes": "",
    }
    values.update({k.replace("_", " "): v for k, v in cells.items()})
    return [values[h] for h in HEADINGS]


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADINGS)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], headings: list[str] = HEADINGS) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headings)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
