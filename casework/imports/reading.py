"""Reading a spreadsheet of earlier records: CSV (UTF-8 with or without a byte-order
mark, or Windows-1252; comma, semicolon or tab) or XLSX (the first sheet, formulas read as
the values Excel saved). The first row holds the column headings. Pure: no database."""

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"


class ImportFileError(Exception):
    """The file cannot be read as a table; the message says why, for the person uploading."""


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it: the headings are row 1
    cells: dict[str, Any]  # heading -> value

    @property
    def is_blank(self) -> bool:
        return all(value is None or str(value).strip() == "" for value in self.cells.values())


def _headings(raw: list[Any]) -> list[str]:
    headings = [" ".join(str(h).split()) if h is not None else "" for h in raw]
    while headings and not headings[-1]:
        headings.pop()
    if not any(headings):
        raise ImportFileError("The first row has no column headings.")
    seen: set[str] = set()
    for heading in headings:
        if heading and heading.casefold() in seen:
            raise ImportFileError(f"Two columns are headed “{heading}”: give each its own.")
        seen.add(heading.casefold())
    return headings


def _encoding(stream: IO[bytes]) -> str:
    """UTF-8 (with or without a byte-order mark) if the whole file is valid UTF-8, else
    Windows-1252 (what Excel on Windows saves as "CSV"; every byte is a character). Read in
    chunks: the file is never held whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"
    finally:
        stream.seek(0)


def _csv_rows(stream: IO[bytes]) -> Iterator[list[Any]]:
    encoding = _encoding(stream)
    sample = stream.read(8192).decode(encoding, errors="ignore").removeprefix("\ufeff")
    stream.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel

    def lines() -> Iterator[str]:
        # Lines keep their ends, so a quoted cell may run over several (csv joins them);
        # a line end is the same byte in UTF-8 and Windows-1252.
        first = True
        for line in stream:
            text = line.decode(encoding, errors="replace")
            if first:
                text, first = text.removeprefix("\ufeff"), False
            yield text

    yield from csv.reader(lines(), dialect)


def _xlsx_rows(stream: IO[bytes]) -> Iterator[list[Any]]:
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError("The file is not a spreadsheet Excel can open (.xlsx).") from error
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def read_table(stream: IO[bytes]) -> tuple[list[str], Iterator[Row]]:
    """The headings and an iterator over the data rows, read as they are needed."""
    start = stream.read(8)
    stream.seek(0)
    if start.startswith(OLD_EXCEL_MAGIC):
        raise ImportFileError(
            "This is an old Excel file (.xls): save it as .xlsx or CSV and upload that."
        )
    raw = _xlsx_rows(stream) if start.startswith(XLSX_MAGIC) else _csv_rows(stream)
    try:
        first = next(raw)
    except StopIteration:
        raise ImportFileError("The file is empty.") from None
    except csv.Error as error:
        raise ImportFileError(f"The file is not a readable CSV table ({error}).") from error
    headings = _headings(first)

    def rows() -> Iterator[Row]:
        try:
            for number, values in enumerate(raw, start=2):
                cells = {h: values[i] if i < len(values) else None for i, h in enumerate(headings)}
                cells.pop("", None)
                yield Row(number, cells)
        except csv.Error as error:
            raise ImportFileError(f"The file stops being a readable table: {error}") from error

    return headings, rows()
