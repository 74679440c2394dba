"""Excel ``.xlsx`` exports (ProAssist, Versum …) as the same raw records a CSV gives.

The workbook is read with openpyxl in read-only mode: rows stream from the
zipped sheet XML one at a time, so memory stays flat however long the
sheet.  Each cell becomes the text a CSV export would hold, and from there
the one validation path of :mod:`.rowcheck` takes over:

* text stays as it is; whole numbers lose Excel's ``.0`` (phones, ids);
* a date-time cell becomes ``YYYY-MM-DD HH:MM:SS``, rounded to the second
  (Excel keeps times as fractions of a day, so 10:10 may read back as
  10:09:59.9999); one at exactly midnight is taken as a bare date, which a
  ``start`` rejects unless a ``time`` column is mapped: a report's
  ``Data`` column is a day, not a visit at 00:00;
* a time cell becomes ``HH:MM:SS``; a plain number in a date or time column
  (a serial the export did not format) is converted the same way.

The header is the first of the sheet's top rows that names the required
columns (reports often start with a title line); records are numbered by
their sheet row, as Excel shows them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from smsremind.errors import ImportFileError
from smsremind.i18n import N_, _
from smsremind.intake.importer import Source, column_positions

_HEADER_SEARCH_ROWS = 30
_TIMEISH = ("start", "date", "time", "booked_at")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97-2003) and password-protected workbooks
_SECOND = timedelta(seconds=1)


def open_xlsx(path: Path, sheet: str | None, mapping: dict[str, str]) -> Source:
    """The rows of ``sheet`` (default: the first) below its header row."""
    import openpyxl  # imported here: loading it takes a moment, and CSV imports do not need it

    _check_is_workbook(path)
    fh = open(path, "rb")  # noqa: SIM115 - a file, not the name: openpyxl refuses names without .xlsx
    try:
        try:
            book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # a damaged archive fails in many ways inside openpyxl
            text = _("{path}: cannot read this Excel workbook (damaged file: {error})")
            raise ImportFileError(text.format(path=path, error=_why(exc))) from None

        def close() -> None:
            book.close()
            fh.close()

        ws = _worksheet(book, sheet, path)
        return _source(path, book, ws, mapping, close)
    except BaseException:
        fh.close()
        raise


def _check_is_workbook(path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise ImportFileError(
            _("{path}: cannot read: {error}").format(path=path, error=exc.strerror)
        ) from None
    if head.startswith(_OLE_MAGIC):
        text = _(
            "{path}: an old Excel 97-2003 (.xls) or password-protected workbook; "
            "save it as .xlsx without a password, or as CSV"
        )
        raise ImportFileError(text.format(path=path))
    if not head.startswith(b"PK"):
        looks = _("CSV or text") if head and b"\x00" not in head else _("something else")
        text = _("{path}: not an Excel .xlsx workbook (its content is {looks}); save it as .xlsx")
        raise ImportFileError(text.format(path=path, looks=looks))
    if not zipfile.is_zipfile(path):
        text = _("{path}: cannot read this Excel workbook (damaged file: broken zip archive)")
        raise ImportFileError(text.format(path=path))


def _why(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def _worksheet(book: Any, sheet: str | None, path: Path) -> Any:
    if sheet is None:
        return book.worksheets[0]
    if sheet not in book.sheetnames:
        names = ", ".join(repr(n) for n in book.sheetnames)
        raise ImportFileError(
            _("{path}: no sheet {sheet} (sheets: {names})").format(path=path, sheet=repr(sheet), names=names)
        )
    return book[sheet]


def _sheet_rows(book: Any, ws: Any) -> Iterator[tuple[int, list[Any]]]:
    """Every row of the sheet, numbered, empty ones included, cells as openpyxl reads them.

    ``ws.iter_rows`` of a read-only sheet empties each row element it has
    read but leaves it in the parsed tree, ~0.1 KB a row (+7 MB from row
    20,000 to 100,000, measured).  This loop reads the sheet's XML with the same per-row parser
    (cell types, shared strings, date formats) and drops each row from the
    tree once read, so memory stays flat however long the sheet.
    """
    from openpyxl.worksheet._reader import DATA_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse  # defusedxml's when installed, as openpyxl does

    with ws._get_source() as src:
        parser = WorkSheetParser(
            src,
            ws._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        table, expected = None, 1
        for event, element in iterparse(src, events=("start", "end")):
            if event == "start":
                if element.tag == DATA_TAG:
                    table = element
                continue
            if element.tag != ROW_TAG:
                continue
            number, cells = parser.parse_row(element)
            if table is not None:
                table.clear()  # the rows read so far
            parser.row_dimensions.clear()  # kept per row for rows with a custom height
            for empty in range(expected, number):
                yield empty, []
            values: list[Any] = [None] * max((c["column"] for c in cells), default=0)
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values
            expected = number + 1


def _source(path: Path, book: Any, ws: Any, mapping: dict[str, str], close: Any) -> Source:
    epoch = book.epoch
    rows = _rows(book, ws, path)
    at = [0]  # the sheet row of the last record read
    header: list[str] = []
    for number, cells in rows:
        texts = [_text(v) for v in cells]
        if not any(t.strip() for t in texts):
            continue
        if not header:
            header = texts  # the first non-empty row, unless a later top row names our columns
        if _is_header(texts, mapping, path):
            header, at[0] = texts, number
            break
        if number >= _HEADER_SEARCH_ROWS:
            break
    # No header found: the first non-empty row stands, and the column check says what is missing.
    lowered = [h.strip().lower() for h in header]
    timeish = [
        lowered.index(n) for n in (mapping.get(c, c).strip().lower() for c in _TIMEISH) if n in lowered
    ]
    return Source(
        str(path),
        header,
        _records(rows, len(header), timeish, epoch, at),
        lambda: at[0],
        label=N_("row"),
        close=close,
    )


def _is_header(texts: list[str], mapping: dict[str, str], path: Path) -> bool:
    try:
        column_positions(Source(str(path), texts, (), lambda: 0), mapping)
    except ImportFileError:
        return False
    return True


def _rows(book: Any, ws: Any, path: Path) -> Iterator[tuple[int, Sequence[Any]]]:
    """(sheet row number, cell values); a sheet that breaks while read is one clear error."""
    try:
        yield from _sheet_rows(book, ws)
    except Exception as exc:  # broken XML or a truncated member inside the zip
        text = _("{path}: cannot read this Excel workbook (damaged sheet: {error})")
        raise ImportFileError(text.format(path=path, error=_why(exc))) from None


def _records(
    rows: Iterator[tuple[int, Sequence[Any]]], width: int, timeish: list[int], epoch: datetime, at: list[int]
) -> Iterator[list[str]]:
    text = _text
    for number, cells in rows:
        record = [text(v) for v in cells]
        if len(record) < width:  # Excel leaves trailing empty cells out
            record += [""] * (width - len(record))
        for i in timeish:
            if i < len(cells) and type(cells[i]) in (int, float):
                record[i] = _serial_text(cells[i], epoch)
        at[0] = number
        yield record


def _text(v: Any) -> str:
    """A cell as CSV text (see the module docstring)."""
    kind = type(v)
    if kind is str:
        return v
    if v is None:
        return ""
    if kind is datetime:
        v = _to_second(v)
        return v.date().isoformat() if v.time() == time() else v.isoformat(" ")
    if kind is float:
        return str(int(v)) if v.is_integer() else repr(v)
    if kind is time:
        return _to_second(datetime.combine(date.min, v)).time().isoformat()
    if kind is timedelta and timedelta() <= v < timedelta(days=1):  # a [h]:mm duration cell used as a time
        return _to_second(datetime.min + v).time().isoformat()
    if kind is date:
        return v.isoformat()
    if kind is bool:
        return "TRUE" if v else "FALSE"
    return str(v)


def _to_second(v: datetime) -> datetime:
    """Rounded to the nearest second: Excel's day fractions do not land on whole seconds."""
    rounded = v.replace(microsecond=0)
    return rounded + _SECOND if v.microsecond >= 500_000 else rounded


def _serial_text(value: float, epoch: datetime) -> str:
    """An Excel serial number (days since the workbook's epoch) as date/time text."""
    if 0 <= value < 1:
        return _text((datetime.min + timedelta(days=value)).time())
    day = int(value)
    if epoch.year == 1899 and 0 < value < 60:  # Excel's phantom 29.02.1900: serials before it are one off
        day += 1
    return _text(epoch + timedelta(days=day) + timedelta(seconds=round((value - int(value)) * 86400)))
