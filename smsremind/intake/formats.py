"""Which reader a source needs: CSV, SQLite, Excel ``.xlsx``, iCalendar ``.ics``, or ``-``.

The kind comes from the file name when it says ``.xlsx`` or ``.ics`` (a
file that says so and is not gets a clear error, not a CSV guess);
otherwise from the first bytes, so a workbook or a calendar that arrived as
``export`` or on standard input is still read as what it is.

Standard input (``-``) is copied to a private temporary file first: every
reader needs to look at its input more than once (the encoding is decided
from the whole file, a calendar is read in two passes), and a pipe can be
read only once.  The copy is deleted when the import ends.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from smsremind.errors import ImportFileError, InvalidInputError
from smsremind.i18n import _
from smsremind.intake import ics, importer, xlsx

STDIN = "-"
_EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".ics": "ics", ".ical": "ics", ".ifb": "ics"}


@dataclass(frozen=True)
class Options:
    """What the non-CSV readers need besides the Spec."""

    now: datetime
    region: str = "PL"
    sheet: str | None = None


def check_address(text: str) -> None:
    """A feed or web address is not fetched (cron must not depend on a network): the file is."""
    if re.match(r"(?i)^(https?|webcal)://", text.strip()):
        message = _("{address}: a feed address; download the .ics file and import the file")
        raise ImportFileError(message.format(address=text))


def kind(path: Path) -> str:
    """``csv``, ``xlsx`` or ``ics``: by the name's extension, else by the content."""
    if "\x00" in str(path):
        return "csv"  # not a name a file can have: the CSV reader says so
    by_name = _EXTENSIONS.get(path.suffix.lower())
    if by_name:
        return by_name
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError:
        return "csv"  # the CSV reader says what is wrong with the path
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").upper().startswith(b"BEGIN:VCALENDAR"):
        return "ics"
    return "csv"


def prepare(spec: importer.Spec, options: Options) -> importer.Prepared:
    """Open ``spec``'s source with the reader its kind needs; see :func:`importer.prepare`."""
    try:
        return _prepare(spec, options)
    except ImportFileError as exc:
        raise spec.named(exc) from None


def _prepare(spec: importer.Spec, options: Options) -> importer.Prepared:
    if spec.table or spec.query:
        if options.sheet:
            raise InvalidInputError(_("--sheet is for Excel workbooks, not for --table/--query"))
        return importer.prepare(spec)
    found = kind(spec.path)
    if options.sheet and found != "xlsx":
        text = _("--sheet is for Excel workbooks; {path} is {kind}")
        raise InvalidInputError(text.format(path=spec.display or spec.path, kind=found))
    if found == "xlsx":
        return importer.prepare(spec, xlsx.open_xlsx(spec.path, options.sheet, spec.mapping))
    if found == "ics":
        source = ics.open_ics(spec.path, options.now, spec.zone, options.region)
        return importer.prepare(replace(spec, mapping={}), source)  # a calendar's columns are ours
    return importer.prepare(spec)


@contextmanager
def resolved(spec: importer.Spec, stdin: BinaryIO | None = None) -> Iterator[importer.Spec]:
    """``spec`` itself, or for ``-`` a spec of a private copy of standard input."""
    if str(spec.path) != STDIN:
        yield spec
        return
    stream = stdin or sys.stdin.buffer
    fd, name = tempfile.mkstemp(prefix="smsremind-stdin-")  # mode 0600: patient data
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        if not os.path.getsize(name):
            raise ImportFileError(
                _("standard input: empty; pipe a file in, e.g. smsremind import - < export.csv")
            )
        yield replace(spec, path=Path(name), display="standard input")
    finally:
        os.unlink(name)
