"""Which encoding a CSV file is in, decided from the whole file (SPEC §8).

A practice export is UTF-8 (with or without BOM) or cp1250 (the Windows code
page of Polish and Czech systems).  The decision is made once, from every
byte, before any row is read: deciding from the first block and switching
later turned "Gabinet Uśmiech" into "Gabinet UĹ›miech" in a UTF-8 file with
one stray cp1250 byte near its end, which made a new practice and a second
reminder for every patient.

The scan costs one read of the file: blocks of plain ASCII are skipped with
``bytes.isascii`` (C speed); only blocks with other bytes are decoded.

* every byte decodes as UTF-8 -> UTF-8;
* nothing decodes as a UTF-8 multi-byte letter -> cp1250;
* UTF-8 letters and invalid bytes together: mostly UTF-8 -> UTF-8, and each
  line holding an invalid byte is a rejected row; otherwise the file mixes
  encodings and is refused whole (nothing is guessed).

Either way the file is opened with ``errors="surrogateescape"``: a byte that
does not decode becomes a lone surrogate, which the row check turns into a
rejected row naming its line (``damaged`` says whether to look for them).

Nearly every export is plain UTF-8, and for those the scan changes nothing,
so :func:`open_plain` skips it: the file is read as UTF-8 straight away, and
the first byte that is not plain UTF-8 text (an invalid byte, a NUL) raises
:class:`NotPlain` -- before the import commits anything; the caller then
reads the file again after the scan, exactly as above.

:func:`garbled_twin` guards the other way in: a new practice name that is an
existing one garbled by a wrong encoding or stripped of its diacritics.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from smsremind.errors import ImportFileError
from smsremind.i18n import N_, Later, _

_BLOCK = 1 << 20
_SQLITE_MAGIC = b"SQLite format 3\x00"
# Bytes cp1250 leaves undefined: they cannot be decoded in a cp1250 file either.
_CP1250_HOLES = re.compile(rb"[\x81\x83\x88\x90\x98]")
_ESCAPED = re.compile("[\udc80-\udcff]")  # an undecodable byte, as surrogateescape keeps it
NOT_TEXT = re.compile("[\x00\udc80-\udcff]")  # ... or a NUL byte: a record holding one is rejected
_NON_ASCII = re.compile("[^\x00-\x7f]")
# A file is taken for damaged UTF-8 when its valid UTF-8 letters outnumber its bad bytes this many times.
_UTF8_MAJORITY = 4
# Control bytes other than tab and line breaks: a few are damage in a text file, more than
# 1% of its start make it a binary one (UTF-16, xlsx, an image, ...).
_CONTROLS = bytes(b for b in range(32) if b not in b"\t\n\r") + b"\x7f"


@dataclass(frozen=True)
class Decision:
    encoding: str
    damaged: bool  # some bytes do not decode: rows holding them are rejected


@dataclass
class _Tally:
    letters: int = 0  # non-ASCII characters that decoded as UTF-8
    bad: int = 0  # bytes that did not
    first_bad_line: int = 0
    lines: int = 0  # line breaks before the current block
    holes: bool = False  # bytes undefined in cp1250, or NUL

    def add(self, block: bytes, text: str) -> None:
        bad = _ESCAPED.subn("", text)[1]
        if bad and not self.bad:
            at = _ESCAPED.search(text)
            assert at is not None
            self.first_bad_line = self.lines + text.count("\n", 0, at.start()) + 1
        self.bad += bad
        self.letters += _NON_ASCII.subn("", text)[1] - bad
        self.holes = self.holes or bool(_CP1250_HOLES.search(block)) or b"\x00" in block


class NotPlain(Exception):
    """A file opened by :func:`open_plain` is not plain UTF-8 text after all: decide first."""


def _not_plain(exc: UnicodeError) -> tuple[str, int]:
    raise NotPlain


codecs.register_error("smsremind-not-plain", _not_plain)


class _NulGuard(io.BufferedReader):
    """Raises NotPlain on a NUL byte (valid UTF-8, but no text: the scan marks it damage)."""

    def read1(self, size: int = -1, /) -> bytes:
        return self._checked(super().read1(size))

    def read(self, size: int | None = -1, /) -> bytes:
        return self._checked(super().read(size))

    @staticmethod
    def _checked(data: bytes) -> bytes:
        if b"\x00" in data:
            raise NotPlain
        return data


def open_plain(path: Path) -> TextIO:
    """``path`` as UTF-8 text without the whole-file scan; reading it raises NotPlain at the
    first byte that is not plain UTF-8 text (ImportFileError for a file that is no CSV)."""
    with open(path, "rb") as fh:
        bom = _check_head(path, fh.read(_BLOCK))
    text = io.TextIOWrapper(
        _NulGuard(io.FileIO(path), _BLOCK), encoding="utf-8-sig" if bom else "utf-8",
        errors="smsremind-not-plain", newline=""
    )  # fmt: skip
    text._CHUNK_SIZE = 1 << 16  # type: ignore[attr-defined]  # fewer, larger reads
    return text


def open_text(path: Path, forced: str | None = None, *, plain: bool = True) -> tuple[Decision, TextIO]:
    """The CSV file at ``path`` as text: in the ``forced`` encoding, else as plain UTF-8 (see
    :func:`open_plain`), else as :func:`decide` says."""
    if forced is None and plain:
        return Decision("utf-8", damaged=False), open_plain(path)
    decided = decide(path) if forced is None else Decision(forced, damaged=True)
    return decided, open(path, encoding=decided.encoding, errors="surrogateescape", newline="")


def _check_head(path: Path, head: bytes) -> bool:
    """Refuses a file that is no CSV by its start; whether it starts with a UTF-8 BOM."""
    if head.startswith(_SQLITE_MAGIC):
        raise ImportFileError(
            _("{path}: is an SQLite database; use --table NAME or --query SQL").format(path=path)
        )
    if _binary(head[:4096]):
        raise ImportFileError(_("{path}: not a CSV file (binary content)").format(path=path))
    return head.startswith(codecs.BOM_UTF8)


def decide(path: Path) -> Decision:
    """The encoding of the CSV file at ``path`` (ImportFileError for a file that is no CSV)."""
    with open(path, "rb") as fh:
        head = fh.read(_BLOCK)
        bom = _check_head(path, head)
        utf8, nul = _all_utf8(fh, head)
        if utf8:
            return Decision("utf-8-sig" if bom else "utf-8", damaged=nul)
        fh.seek(0)
        return _choose(path, _tally(fh), bom)


def _binary(head: bytes) -> bool:
    controls = len(head) - len(head.translate(None, _CONTROLS))
    return controls >= 2 and controls * 100 > len(head)


def _all_utf8(fh: BinaryIO, block: bytes) -> tuple[bool, bool]:
    """Whether ``block`` and the rest of ``fh`` decode as UTF-8 (the common case: one quick
    pass), and whether they hold a NUL byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    nul = False
    try:
        while block:
            nul = nul or b"\x00" in block
            if not block.isascii():
                decoder.decode(block)
            block = fh.read(_BLOCK)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, nul
    return True, nul


def _tally(fh: BinaryIO) -> _Tally:
    tally = _Tally()
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    while block := fh.read(_BLOCK):
        tally.add(block, decoder.decode(block))
        tally.lines += block.count(b"\n")
    tally.add(b"", decoder.decode(b"", final=True))
    return tally


def _choose(path: Path, tally: _Tally, bom: bool) -> Decision:
    utf8 = "utf-8-sig" if bom else "utf-8"
    if not tally.bad:
        return Decision(utf8, damaged=False)
    if not tally.letters and not bom:
        return Decision("cp1250", damaged=tally.holes)  # NUL counts too: it decodes, but is no text
    if tally.letters >= _UTF8_MAJORITY * tally.bad or bom:
        return Decision(utf8, damaged=True)
    text = _(
        "{path}: line {line}: mixes UTF-8 text with bytes that are not UTF-8 "
        "({letters} UTF-8 letters, {bad} other bytes); save the export in one encoding "
        "(nothing was changed)"
    )
    raise ImportFileError(
        text.format(path=path, line=tally.first_bad_line, letters=tally.letters, bad=tally.bad)
    )


def undecodable(text: str) -> str | None:
    """Why ``text`` (read with surrogateescape) is not text, or None when it is."""
    at = NOT_TEXT.search(text)
    if at is None:
        return None
    if at.group() == "\x00":
        return Later(N_("a NUL byte (binary damage)"))
    byte = f"{ord(at.group()) - 0xDC00:02X}"
    return Later(N_("byte 0x{byte} is not valid in this file's encoding"), byte=byte)


# --- garbled practice names

_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss"})


def _plain(name: str) -> str:
    """Only the letters and digits of ``name``, plain: 'Gabinet Uśmiech"' -> 'gabinetusmiech'."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LETTERS))
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).casefold()


def _skeleton(name: str) -> str:
    """Each letter outside ASCII (or a '?' put for one) as '*': 'Gabinet Uśmiech' -> 'gabinetu*miech'.

    A flipped byte inside a UTF-8 letter makes another such letter ('ś' -> 'ܛ').
    """
    return "".join(
        c.lower() if c.isascii() and c.isalnum() else "*"
        for c in unicodedata.normalize("NFC", name)
        if c.isalnum() or c in "?\ufffd"
    )


def _readings(name: str) -> set[str]:
    """Keys of ``name`` and of what it was before a wrong decoding turned UTF-8 into mojibake."""
    found = {name}
    for wrong in ("cp1250", "cp1252", "latin-1"):
        with suppress(UnicodeError):
            found.add(name.encode(wrong).decode("utf-8"))
    skeletons = {key for key in map(_skeleton, found) if "*" in key}
    return {_plain(n) for n in found} | skeletons


def garbled_twin(new: str, existing: set[str]) -> str | None:
    """The stored practice that ``new`` differs from only by mojibake, diacritics, case or punctuation."""
    readings = _readings(new)
    for name in sorted(existing):
        if name != new and not readings.isdisjoint(_readings(name)):
            return name
    return None
