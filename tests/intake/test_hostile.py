"""Seeded fuzz: thousands of damaged exports, and none of them reaches a patient (issue 11).

A practice with 60 visits tomorrow is imported once (the baseline).  Each case
then imports one damaged version of its export -- truncated, with a stray
quote, wrong field counts, random bytes, mixed encodings, huge cells, bad
dates, NUL bytes, BOMs, swapped columns, ... -- into a copy of that database
and checks, through the CLI:

* no traceback, never "internal error", exit code 0, 1 or 3;
* a rejected file (exit 1, or ``--strict`` with bad rows) leaves every table as it was;
* ``run --dry-run --json`` queues nothing the file did not ask for: a new or
  changed message names only stored visits or visits whose id is in the
  file's bytes, a cancellation only visits no line of the file starts with, all under
  practice names spelled in the file, and nobody gets two reminders.

The bulk runs in-process (CliRunner); a handful run the installed command
the way cron does.  ``pytest -s`` prints the table of kinds and outcomes.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from smsremind.cli import cli
from tests.conftest import write_config

SEED = 20261130
PER_KIND = 125  # x 16 kinds = 2,000 files
VISITS = 30
BIN = Path(sys.executable).parent / "smsremind"
PRACTICE = "Gabinet Uśmiech"
COLUMNS = ["id", "start", "phone", "patient", "practice", "status"]
NAMES = ["Łucja Żółć", "Paweł Gęś", "Jiří Dvořák", "Anna Nowak", "Zoë Ąę", "Ewa Śliwa"]
CONFIG = (
    "[notify]\nconfirmation = true\nreschedule = true\ncancellation = true\n"
    "[quota]\nmonthly = 100000\nalerts = []\n[reminders]\nskip_weekends = false\n"
)
IMPORT_AT, RUN_AT = "2026-11-20 18:00", "2026-11-20 19:00"
MODES = [["--full"], ["--full"], ["--full"], [], ["--full", "--strict"], ["--no-notify"]]


def base_rows() -> list[list[str]]:
    return [
        [
            f"V{i:05d}",
            f"2026-11-21 {10 + i // 4:02d}:{i % 4 * 13:02d}",
            f"+48601{i:06d}",
            NAMES[i % 6],
            PRACTICE,
            "",
        ]
        for i in range(VISITS)
    ]


BASE_IDS = {r[0] for r in base_rows()}


def render(rows: list[list[str]], sep: str = ",", eol: str = "\n") -> str:
    return "".join(sep.join(r) + eol for r in [COLUMNS, *rows])


# --- the damage: each maker gets a random source and fresh rows, and returns the file's bytes

Maker = Callable[[random.Random, list[list[str]]], bytes]


def cut(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(1, len(data))]


def flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def nul(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        out.insert(rng.randrange(len(out)), 0)
    return bytes(out)


def truncated(rng: random.Random, rows: list[list[str]]) -> bytes:
    return cut(rng, render(rows).encode())


def stray_quote(rng: random.Random, rows: list[list[str]]) -> bytes:
    for _ in range(rng.choice([1, 1, 2, 3])):
        r = rng.randrange(len(rows))
        c = rng.randrange(len(COLUMNS))
        where = rng.choice(["start", "end", "middle"])
        cell = rows[r][c]
        rows[r][c] = {"start": '"' + cell, "end": cell + '"', "middle": cell[:1] + '"' + cell[1:]}[where]
    return render(rows).encode()


def field_count(rng: random.Random, rows: list[list[str]]) -> bytes:
    for _ in range(rng.randint(1, 4)):
        r = rows[rng.randrange(len(rows))]
        if rng.random() < 0.5:
            r.insert(rng.randrange(len(r) + 1), rng.choice(["x", "", "Kowalski", "2026-11-21 10:00"]))
        elif len(r) > 1:
            del r[rng.randrange(len(r))]
    return render(rows).encode()


def random_bytes(rng: random.Random, rows: list[list[str]]) -> bytes:
    return flip(rng, render(rows).encode())


def mixed_encodings(rng: random.Random, rows: list[list[str]]) -> bytes:
    out = render([]).encode()
    share = rng.random()
    for r in rows:
        line = ",".join(r) + "\n"
        out += line.encode("cp1250", "replace") if rng.random() < share else line.encode()
    return out


def huge_cell(rng: random.Random, rows: list[list[str]]) -> bytes:
    r = rows[rng.randrange(len(rows))]
    r[rng.randrange(len(r))] = rng.choice("xŻ;,") * rng.choice([131_073, 140_000, 200_000])
    return render(rows).encode()


BAD_DATES = [
    "0001-01-01 00:30",
    "9999-12-31 23:30",
    "0000-01-01 10:00",
    "2026-02-30 10:00",
    "31.12.9999 23:59",
    "01.01.0001 00:00",
    "24.13.2026 10:00",
    "2026-11-21 25:00",
    "2026-03-29 02:30",
    "2026-11-21T10:00+99:00",
    "2026-11-21",
    "",
    "1899-12-31 10:00",
    "2200-01-01 10:00",
    "+48601000000",
]


def bad_dates(rng: random.Random, rows: list[list[str]]) -> bytes:
    for _ in range(rng.randint(1, 10)):
        rows[rng.randrange(len(rows))][1] = rng.choice(BAD_DATES)
    return render(rows).encode()


def nul_bytes(rng: random.Random, rows: list[list[str]]) -> bytes:
    return nul(rng, render(rows).encode())


def boms(rng: random.Random, rows: list[list[str]]) -> bytes:
    bom = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf"])
    data = render(rows).encode()
    if rng.random() < 0.5:
        return bom + data
    at = rng.randrange(len(data))
    return data[:at] + bom + data[at:]


def swapped_columns(rng: random.Random, rows: list[list[str]]) -> bytes:
    a, b = rng.sample(range(len(COLUMNS)), 2)
    header = list(COLUMNS)
    if rng.random() < 0.5:  # the header names them the other way round
        header[a], header[b] = header[b], header[a]
    else:  # some rows have them the other way round
        for r in rng.sample(rows, rng.randint(1, 10)):
            r[a], r[b] = r[b], r[a]
    return "".join(",".join(r) + "\n" for r in [header, *rows]).encode()


def delimiters(rng: random.Random, rows: list[list[str]]) -> bytes:
    seps = [rng.choice([",", ";", "\t", ", "]) for _ in range(len(rows) + 1)]
    return "".join(s.join(r) + "\n" for s, r in zip(seps, [COLUMNS, *rows], strict=True)).encode()


def line_breaks(rng: random.Random, rows: list[list[str]]) -> bytes:
    out = ""
    for r in [COLUMNS, *rows]:
        cells = [c + "\r" if rng.random() < 0.05 else c for c in r]
        out += ",".join(cells) + rng.choice(["\n", "\r\n", "\r", "\n\n", "\r\r\n"])
    return out.encode()


def empty_files(rng: random.Random, rows: list[list[str]]) -> bytes:
    return rng.choice(
        [
            b"",
            b"\n",
            b"   \n\n",
            b"\xef\xbb\xbf",
            render([]).encode(),
            b"id\n",
            b",,,\n,,,\n",
            b'"\n',
            b"\x00",
        ]
    )


def duplicates(rng: random.Random, rows: list[list[str]]) -> bytes:
    for _ in range(rng.randint(1, 5)):
        twin = list(rows[rng.randrange(len(rows))])
        twin[rng.choice([1, 2, 3])] = rng.choice(["2026-11-22 10:00", "+48602000000", "Inny"])
        rows.insert(rng.randrange(len(rows) + 1), twin)
    return render(rows).encode()


def garbled_names(rng: random.Random, rows: list[list[str]]) -> bytes:
    garble = rng.choice(
        [
            lambda s: s.encode().decode("cp1250", "replace"),
            lambda s: s.encode().decode("latin-1"),
            lambda s: s.replace("ś", "s"),
            lambda s: s.upper(),
        ]
    )
    col = rng.choice([3, 4, 4])
    for r in rows if rng.random() < 0.5 else rng.sample(rows, 5):
        r[col] = garble(r[col])
    return render(rows).encode()


def combined(rng: random.Random, rows: list[list[str]]) -> bytes:
    """One kind of damage to the rows, then another to the bytes."""
    rowwise = rng.choice([field_count, stray_quote, bad_dates, duplicates, swapped_columns, garbled_names])
    return rng.choice([cut, flip, nul])(rng, rowwise(rng, rows))


KINDS: dict[str, Maker] = {
    "truncated": truncated,
    "stray quote": stray_quote,
    "wrong field count": field_count,
    "random bytes": random_bytes,
    "mixed encodings": mixed_encodings,
    "huge cell": huge_cell,
    "bad dates (years 1/9999 ...)": bad_dates,
    "NUL bytes": nul_bytes,
    "BOMs": boms,
    "swapped columns": swapped_columns,
    "mixed delimiters": delimiters,
    "odd line breaks": line_breaks,
    "empty / header only": empty_files,
    "duplicate ids": duplicates,
    "garbled names": garbled_names,
    "two kinds at once": combined,
}


def cases() -> list[tuple[str, bytes, list[str]]]:
    rng = random.Random(SEED)
    return [
        (kind, make(rng, base_rows()), rng.choice(MODES))
        for kind, make in KINDS.items()
        for _ in range(PER_KIND)
    ]


# --- checking one case


def dump(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")]
    out = [(t, *row) for t in tables for row in conn.execute(f"SELECT * FROM {t} ORDER BY 1")]
    conn.close()
    return out


def visits(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    out = conn.execute("SELECT * FROM appointments ORDER BY id").fetchall()
    conn.close()
    return out


@dataclass
class Outcome:
    code: int
    rejected: bool  # nothing changed (exit 1, or --strict with bad rows)
    new_messages: int = 0
    cancellations: int = 0


def key(m: dict[str, Any]) -> tuple:
    return (m["kind"], m["to"], tuple(m["appointments"]), m["text"], m["status"])


def spelled_in(text: str, raw: bytes) -> bool:
    return any(text.encode(enc, "ignore") in raw for enc in ("utf-8", "cp1250"))


def listed_in(ext_id: str, raw: bytes) -> bool:
    """Whether a line of the file starts with ``ext_id``: the id cell, as the export has it.

    (A row with its id in another column -- swapped columns -- lists another id: a
    --full import may cancel that visit, within the limits every cancellation has.)
    """
    return (
        re.search(rb'(^|[\r\n])["\s]*' + re.escape(ext_id.encode()) + rb'["\s]*([,;\t]|$)', raw) is not None
    )


def check_messages(before: list[dict], after: list[dict], raw: bytes, label: str) -> tuple[int, int]:
    """The invariants on what ``run --dry-run`` would send after the import; (new, cancellations)."""
    old = {key(m) for m in before}
    new = [m for m in after if key(m) not in old and m["status"] in ("due", "planned")]
    for m in new:
        ids = m["appointments"]
        assert spelled_in(m["practice"], raw), (label, "practice not in the file", m)
        if m["kind"] == "cancellation":
            assert not any(listed_in(i, raw) for i in ids), (label, "cancelled a visit the file lists", m)
        else:
            unknown = [i for i in ids if i not in BASE_IDS and not spelled_in(i, raw)]
            assert not unknown, (label, "a message for a visit neither stored nor in the file", m)
    reminders = Counter(
        m["to"] for m in after if m["kind"] == "reminder" and m["status"] in ("due", "planned")
    )
    assert max(reminders.values(), default=0) <= 1, (label, "a second reminder", reminders.most_common(3))
    return len(new), sum(1 for m in new if m["kind"] == "cancellation")


def check_result(code: int, output: str, label: str) -> None:
    assert "Traceback" not in output and "internal error" not in output, (label, output[-2000:])
    assert code in (0, 1, 3), (label, code, output[-2000:])


class Practice:
    """The baseline, made once; each case works on a fresh copy of its database."""

    def __init__(self, folder: Path):
        self.folder = folder
        write_config(folder, CONFIG)
        (folder / "base.csv").write_text(render(base_rows()), encoding="utf-8")
        result = self.cli("import", str(folder / "base.csv"), "--full", now="2026-11-20 09:00")
        assert result.exit_code == 0, result.output
        self.db = folder / "smsremind.db"
        self.pristine = folder / "pristine.db"
        shutil.copyfile(self.db, self.pristine)
        self.dump = dump(self.db)
        self.before = self.dry_run()
        assert sum(1 for m in self.before if m["kind"] == "reminder") == VISITS
        self.visits = visits(self.db)

    def cli(self, *args: str, now: str) -> Any:
        argv = ["--config", str(self.folder / "smsremind.toml"), "--now", now, *args]
        result = CliRunner().invoke(cli, argv)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"{args}: {result.exception!r}") from result.exception
        return result

    def dry_run(self) -> list[dict]:
        result = self.cli("run", "--dry-run", "--json", now=RUN_AT)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["messages"]

    def reset(self) -> None:
        shutil.copyfile(self.pristine, self.db)

    def case(self, label: str, raw: bytes, mode: list[str]) -> Outcome:
        self.reset()
        path = self.folder / "damaged.csv"
        path.write_bytes(raw)
        result = self.cli("import", str(path), *mode, now=IMPORT_AT)
        check_result(result.exit_code, result.output, label)
        return self.judge(label, raw, result.exit_code, "nothing imported" in result.stderr)

    def judge(self, label: str, raw: bytes, code: int, strict_rollback: bool) -> Outcome:
        if code == 1 or strict_rollback:
            assert dump(self.db) == self.dump, (label, "a rejected file changed the database")
            return Outcome(code, rejected=True)
        if visits(self.db) == self.visits:  # what is sent follows from the visits alone: nothing new
            return Outcome(code, rejected=False)
        new, cancelled = check_messages(self.before, self.dry_run(), raw, label)
        return Outcome(code, rejected=False, new_messages=new, cancellations=cancelled)


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Practice]:
    """In memory-backed /dev/shm when there is one: 2,000 imports commit 2,000 times (fsync)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield Practice(tmp_path_factory.mktemp("hostile"))
        return
    folder = Path(tempfile.mkdtemp(prefix="smsremind-hostile-", dir=shm))
    try:
        yield Practice(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_two_thousand_damaged_files_send_nothing_they_did_not_ask_for(practice: Practice) -> None:
    all_cases = cases()
    assert len(all_cases) >= 2000
    table: dict[str, Counter] = defaultdict(Counter)
    for n, (kind, raw, mode) in enumerate(all_cases):
        outcome = practice.case(f"case {n} ({kind}, {' '.join(mode)})", raw, mode)
        row = table[kind]
        row["files"] += 1
        row[f"exit {outcome.code}"] += 1
        row["refused whole"] += outcome.rejected
        row["new messages"] += outcome.new_messages
        row["cancellations"] += outcome.cancellations
    print_table(table)
    totals = sum(table.values(), Counter())
    assert totals["files"] == len(all_cases)
    # the fuzz reaches every path: clean rejects, partial imports and whole-file refusals
    assert totals["exit 0"] and totals["exit 1"] > 100 and totals["exit 3"] > 500


def print_table(table: dict[str, Counter]) -> None:
    cols = ["files", "exit 0", "exit 3", "exit 1", "refused whole", "new messages", "cancellations"]
    print("\n| kind | " + " | ".join(cols) + " |\n" + "|---" * (len(cols) + 1) + "|")
    for kind, row in [*table.items(), ("total", sum(table.values(), Counter()))]:
        print(f"| {kind} | " + " | ".join(str(row[c]) for c in cols) + " |")


@pytest.mark.slow
def test_a_handful_through_the_installed_command(practice: Practice) -> None:
    """The same checks with `smsremind` run the way cron runs it (a bare environment)."""
    rng = random.Random(SEED + 1)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    for kind in [
        "stray quote",
        "random bytes",
        "mixed encodings",
        "bad dates (years 1/9999 ...)",
        "truncated",
    ]:
        raw = KINDS[kind](rng, base_rows())
        practice.reset()
        (practice.folder / "damaged.csv").write_bytes(raw)
        done = subprocess.run(
            [str(BIN), "--now", IMPORT_AT, "import", "damaged.csv", "--full"],
            cwd=practice.folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        check_result(done.returncode, done.stdout + done.stderr, kind)
        practice.judge(kind, raw, done.returncode, strict_rollback=False)
