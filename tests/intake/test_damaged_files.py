"""A damaged export never reaches a patient (issue 11, import side), through the CLI.

Each test replays a reported defect: a stray cp1250 byte deep in a UTF-8 file,
``--full`` with rejected rows, a stray quote, a mass cancellation, an SQLite
file name with ``#``, and the odd inputs that used to end in "internal error".
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, csv_file, write_config

BIN = Path(sys.executable).parent / "smsremind"
PRACTICE = "Gabinet Uśmiech"
HEADER = "id,start,phone,patient,practice\n"
QUOTA = "[quota]\nmonthly = 100000\nalerts = []\n"
NOTIFY = "[notify]\nconfirmation = true\nreschedule = true\ncancellation = true\n"


def cron(folder: Path, *args: str, now: str, code: int | None = 0) -> subprocess.CompletedProcess:
    """`smsremind` the way cron runs it: a bare environment, the config found in the cwd."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    done = subprocess.run(
        [str(BIN), "--now", now, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    if code is not None:
        assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
    return done


def visits(n: int, practice: str = PRACTICE, day: str = "2026-11-24") -> list[str]:
    """``n`` visits on one day, 10:00-17:59, one patient (and number) each."""
    return [
        f"V{i:05d},{day} {10 + i * 480 // n // 60:02d}:{i * 480 // n % 60:02d},+48601{i:06d},"
        f"Pacjentka Żaneta {i},{practice}\n"
        for i in range(n)
    ]


def outbox(folder: Path) -> list[dict[str, Any]]:
    path = folder / "outbox.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


# --- 1. the encoding is decided for the whole file


@pytest.mark.slow
def test_stray_cp1250_byte_after_64k_sends_no_second_reminder(tmp_path: Path) -> None:
    """The exact report: 1,501 visits of "Gabinet Uśmiech" in UTF-8, then the same
    export with one cp1250 byte after the first 64 KiB: no new practice, no 2nd SMS."""
    write_config(tmp_path, QUOTA)
    rows = visits(1501)
    (tmp_path / "export.csv").write_bytes((HEADER + "".join(rows)).encode("utf-8"))
    cron(tmp_path, "import", "export.csv", "--full", now="2026-11-23 08:00")
    first = json.loads(cron(tmp_path, "run", "--json", now="2026-11-23 19:00").stdout)
    assert first["sent"] == 1501 and len(outbox(tmp_path)) == 1501

    damaged = (HEADER + "".join(rows[:-1])).encode("utf-8")
    assert len(damaged) > 1 << 16
    last = rows[-1].replace("Żaneta", "Ża\u015bneta").encode("utf-8").replace("ś".encode(), b"\x9c")
    (tmp_path / "export.csv").write_bytes(damaged + last)  # 0x9c: "ś" in cp1250
    done = cron(tmp_path, "import", "export.csv", "--full", now="2026-11-23 19:10", code=3)
    assert "export.csv: line 1502: byte 0x9C is not valid in this file's encoding" in done.stderr
    assert "0 new" in done.stdout and "cancelled as missing" not in done.stdout
    again = json.loads(cron(tmp_path, "run", "--json", now="2026-11-23 19:20").stdout)
    assert again["sent"] == 0 and len(outbox(tmp_path)) == 1501
    names = {m["text"].count("UĹ›miech") for m in outbox(tmp_path)}
    assert names == {0}
    db = sqlite3.connect(tmp_path / "smsremind.db")
    assert db.execute("SELECT DISTINCT practice FROM appointments").fetchall() == [(PRACTICE,)]


def test_a_whole_cp1250_file_is_still_read_as_cp1250(app: Cli, tmp_path: Path) -> None:
    text = HEADER + "".join(visits(1200, day="2026-11-25")) + "X1,2026-11-25 18:00,601999999,Łucja Żółć,Zoo\n"
    path = csv_file(tmp_path, text.replace(PRACTICE, "Gabinet Uśmiech"), encoding="cp1250")
    app("import", str(path), now="2026-11-20 10:00")
    db = sqlite3.connect(tmp_path / "smsremind.db")
    assert db.execute("SELECT patient FROM appointments WHERE ext_id = 'X1'").fetchone() == ("Łucja Żółć",)
    assert db.execute("SELECT DISTINCT practice FROM appointments ORDER BY 1").fetchall() == [
        (PRACTICE,),
        ("Zoo",),
    ]


def test_a_file_mixing_encodings_is_refused_whole(app: Cli, tmp_path: Path) -> None:
    utf8 = (HEADER + "".join(visits(20))).encode("utf-8")
    cp1250 = "".join(visits(30, practice="Gabinet Żółw")).replace("V0", "W0").encode("cp1250")
    path = tmp_path / "mixed.csv"
    path.write_bytes(utf8 + cp1250)
    result = app("import", str(path), now="2026-11-20 10:00", code=1)
    assert "mixed.csv: line 22: mixes UTF-8 text with bytes that are not UTF-8" in result.stderr
    assert sqlite3.connect(tmp_path / "smsremind.db").execute(
        "SELECT count(*) FROM appointments"
    ).fetchone() == (0,)


@pytest.mark.parametrize("garbled", ["Gabinet UĹ›miech", "Gabinet Usmiech", "gabinet  uśmiech"])
def test_a_new_practice_named_like_a_garbled_known_one_is_refused(
    app: Cli, tmp_path: Path, garbled: str
) -> None:
    app("import", str(csv_file(tmp_path, HEADER + "".join(visits(5)))), now="2026-11-20 10:00")
    before = sqlite3.connect(tmp_path / "smsremind.db").execute("SELECT * FROM appointments").fetchall()
    other = csv_file(tmp_path, HEADER + "".join(visits(5, practice=garbled)).replace("V0", "G0"), "g.csv")
    result = app("import", str(other), now="2026-11-20 11:00", code=1)
    assert f"practice {garbled!r} is new but differs from the existing {PRACTICE!r}" in result.stderr
    after = sqlite3.connect(tmp_path / "smsremind.db").execute("SELECT * FROM appointments").fetchall()
    assert after == before
    app("import", str(other), "--force", now="2026-11-20 11:00")  # a real second practice, on purpose
    app("import", str(csv_file(tmp_path, HEADER + "G1,2026-11-24 10:00,601,x,Gabinet Zdrowie\n")))


# --- 2. and 3. what --full may cancel


def full_setup(app: Cli, tmp_path: Path, n: int = 40) -> list[str]:
    rows = visits(n, day="2026-11-26")
    app("import", str(csv_file(tmp_path, HEADER + "".join(rows))), "--full", now="2026-11-20 10:00")
    return rows


def cancellations(app: Cli, now: str = "2026-11-20 12:00") -> list[str]:
    done = app.json("run", "--dry-run", now=now)
    return sorted(a for m in done["messages"] if m["kind"] == "cancellation" for a in m["appointments"])


def test_full_never_cancels_a_rejected_row(make_app: Any, tmp_path: Path) -> None:
    app = make_app(NOTIFY + QUOTA)
    rows = full_setup(app, tmp_path)
    broken = [r.replace(r.split(",")[2], "") if i % 4 == 0 else r for i, r in enumerate(rows)]  # no phone
    broken[1] = broken[1].replace("2026-11-26", "2026-02-30")  # no such day
    broken[2] = broken[2].replace("Pacjentka", "\udc9c")  # read as an undecodable byte
    broken[3] = broken[3].replace(f",{PRACTICE}", ",")  # no practice: the id still counts
    path = tmp_path / "broken.csv"
    path.write_bytes((HEADER + "".join(broken)).encode("utf-8", "surrogateescape"))
    done = app.json("import", str(path), "--full", now="2026-11-20 11:00", code=3)
    assert (done["rejected"], done["removed"]) == (13, 0)
    assert cancellations(app) == []
    # a row that is really gone is still cancelled (one of 40: a normal day)
    app("import", str(csv_file(tmp_path, HEADER + "".join(rows[1:]))), "--full", now="2026-11-20 11:30")
    assert cancellations(app) == ["V00000"]


def test_a_stray_quote_cancels_nothing(make_app: Any, tmp_path: Path) -> None:
    app = make_app(NOTIFY + QUOTA)
    rows = full_setup(app, tmp_path, n=200)
    swallowing = list(rows)
    swallowing[20] = swallowing[20].replace("Pacjentka", '"Pacjentka')  # never closed: eats the rest
    path = csv_file(tmp_path, HEADER + "".join(swallowing), "quote.csv")
    result = app("import", str(path), "--full", now="2026-11-20 11:00", code=3)
    assert "quote.csv: line 22: not valid CSV (unexpected end of data); lines 22-201" in result.stderr
    assert "--full cancelled nothing: the file is damaged at line 22" in result.stderr
    assert cancellations(app) == []

    closed = list(rows)  # closed again forty lines later: the rows between become one field
    closed[20] = closed[20].replace("Pacjentka", '"Pacjentka')
    closed[60] = closed[60].replace(f",{PRACTICE}", f'",{PRACTICE}')
    q2 = csv_file(tmp_path, HEADER + "".join(closed), "q2.csv")
    result = app("import", str(q2), "--full", now="2026-11-20 11:00", code=3)
    assert "q2.csv: line 22: a quoted field holds whole rows" in result.stderr
    assert cancellations(app) == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda r: r.replace(",+48", ",Kowalski,+48"),  # a field too many
        lambda r: r.replace(f",{PRACTICE}", ""),  # a field too few
    ],
    ids=["more-fields", "fewer-fields"],
)
def test_a_row_with_the_wrong_field_count_cancels_nothing(make_app: Any, tmp_path: Path, damage: Any) -> None:
    app = make_app(NOTIFY + QUOTA)
    rows = full_setup(app, tmp_path)
    kept = [damage(rows[5]), *rows[20:]]  # half the visits gone: would be 20 cancellations
    path = csv_file(tmp_path, HEADER + "".join(kept))
    result = app("import", str(path), "--full", "--force", now="2026-11-20 11:00", code=3)
    assert "in.csv: line 2: has " in result.stderr and "the header has 5" in result.stderr
    assert "--full cancelled nothing" in result.stderr
    assert cancellations(app) == []


def test_full_refuses_a_mass_cancellation_without_force(make_app: Any, tmp_path: Path) -> None:
    app = make_app(NOTIFY + QUOTA)
    rows = full_setup(app, tmp_path, n=100)
    db = sqlite3.connect(tmp_path / "smsremind.db")
    before = db.execute("SELECT * FROM appointments").fetchall()
    truncated = csv_file(tmp_path, HEADER + "".join(rows[:70]) + "NEW1,2026-11-27 10:00,601,x," + PRACTICE)
    result = app("import", str(truncated), "--full", now="2026-11-20 11:00", code=1)
    assert (
        "--full would cancel 30 of the 100 future visits of 'Gabinet Uśmiech' "
        "(more than max_cancel_share = 0.2); refusing, nothing was changed" in result.stderr
    )
    assert db.execute("SELECT * FROM appointments").fetchall() == before
    assert cancellations(app) == []
    # 20 of 100 is allowed; so is anything with --force, or a larger share in the config
    app("import", str(csv_file(tmp_path, HEADER + "".join(rows[20:]))), "--full", now="2026-11-20 11:00")
    assert len(cancellations(app)) == 20
    forced = csv_file(tmp_path, HEADER + "".join(rows[20:50]))
    app("import", str(forced), "--full", "--force", now="2026-11-20 11:00")
    assert len(cancellations(app)) == 70


def test_max_cancel_share_from_the_config_and_a_small_calendar(make_app: Any, tmp_path: Path) -> None:
    app = make_app(NOTIFY + QUOTA + "[import]\nmax_cancel_share = 0.5\n")
    rows = full_setup(app, tmp_path, n=40)
    app("import", str(csv_file(tmp_path, HEADER + "".join(rows[:20]))), "--full", now="2026-11-20 11:00")
    assert len(cancellations(app)) == 20
    small = tmp_path / "small"
    small.mkdir()
    write_config(small, NOTIFY + QUOTA)
    app = Cli(small)  # 10 visits: losing 9 of them is under the floor of 10
    rows = visits(10, day="2026-11-26")
    app("import", str(csv_file(tmp_path, HEADER + "".join(rows))), "--full", now="2026-11-20 10:00")
    app("import", str(csv_file(tmp_path, HEADER + rows[0])), "--full", now="2026-11-20 11:00")
    assert len(cancellations(app)) == 9


def test_max_cancel_share_is_checked_in_the_config(tmp_path: Path) -> None:
    from smsremind import config
    from smsremind.errors import ConfigError

    (tmp_path / "smsremind.toml").write_text("[import]\nmax_cancel_share = 20\n")
    with pytest.raises(ConfigError, match=r"\[import\] max_cancel_share = 20: must be a number from 0 to 1"):
        config.load(tmp_path / "smsremind.toml")


# --- 14. a read-only SQLite source, whatever its name


def test_sqlite_source_with_hash_in_its_name_is_opened_read_only(app: Cli, tmp_path: Path) -> None:
    source = tmp_path / "cal#x.db"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE visits (id TEXT, start TEXT, phone TEXT, practice TEXT)")
        db.execute("INSERT INTO visits VALUES ('1', '2026-11-24 10:00', '601234567', 'P')")
    db.close()
    before = source.read_bytes()
    result = app("import", "cal#x.db", "--query", "SELECT * FROM visits", now="2026-11-20 10:00")
    assert "1 new" in result.stdout
    assert not (tmp_path / "cal").exists()
    assert source.read_bytes() == before
    written = app("import", "cal#x.db", "--query", "DELETE FROM visits RETURNING *", code=1)
    assert "cal#x.db: cannot read query: attempt to write a readonly database" in written.stderr
    assert source.read_bytes() == before


# --- 16. odd bytes, dates and paths: one line each, never "internal error"


def test_years_1_and_9999_are_rejected_rows(app: Cli, tmp_path: Path) -> None:
    text = HEADER + (
        "1,0001-01-01 00:30,601234567,A,P\n2,9999-12-31 23:30,601234568,B,P\n"
        "3,2026-11-24 10:00,601234569,C,P\n4,2026-11-24 10:00+99:00,601234560,D,P\n"
    )
    result = app("import", str(csv_file(tmp_path, text)), now="2026-11-20 10:00", code=3)
    assert [line.removeprefix(str(tmp_path) + "/") for line in result.stderr.splitlines()] == [
        "in.csv: line 2: start '0001-01-01 00:30': year 1 is out of range (1900-2199)",
        "in.csv: line 3: start '9999-12-31 23:30': year 9999 is out of range (1900-2199)",
        "in.csv: line 5: start '2026-11-24 10:00+99:00' is not a date and time (YYYY-MM-DD HH:MM or "
        "DD.MM.YYYY HH:MM)",
    ]


def test_explain_and_preview_of_a_visit_in_year_9999(app: Cli, tmp_path: Path) -> None:
    """A database filled before years were checked may hold such a visit."""
    app("import", str(csv_file(tmp_path, HEADER + "1,2026-11-24 10:00,601234567,A,P\n")))
    with sqlite3.connect(tmp_path / "smsremind.db") as db:
        db.execute("UPDATE appointments SET start = '9999-12-31T09:30:00Z'")
    db.close()
    result = app("explain", "1", now="2026-11-20 10:00")
    assert "9999-12-31 10:30" in result.stdout
    assert app.json("run", "--dry-run", now="2026-11-20 10:00")["messages"] == []
    result = app("preview", "--date", "9999-12-30", code=2)
    assert "'9999-12-30': year 9999 is out of range (1900-2199)" in result.stderr


def test_nul_in_a_path_and_bom_in_the_config(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from smsremind.cli import cli

    (tmp_path / "smsremind.toml").write_bytes(b"\xef\xbb\xbfenabled = false\n")
    done = CliRunner().invoke(cli, ["--config", str(tmp_path / "smsremind.toml"), "init"])
    assert done.exit_code == 0 and "Using the existing config" in done.stdout  # read, kept byte for byte
    assert (tmp_path / "smsremind.toml").read_bytes() == b"\xef\xbb\xbfenabled = false\n"
    done = CliRunner().invoke(cli, ["--config", str(tmp_path / "smsremind.toml"), "status"])
    assert done.exit_code == 0 and "Sending is disabled" in done.stdout
    (tmp_path / "nul.toml").write_text('database = "a\\u0000b.db"\n')
    done = CliRunner().invoke(cli, ["--config", str(tmp_path / "nul.toml"), "status"])
    assert done.exit_code == 1
    assert done.stderr.strip() == (
        f'smsremind: error: {tmp_path / "nul.toml"}: database = "a\\x00b.db": a path cannot contain '
        "a NUL character"
    )
    done = CliRunner().invoke(cli, ["--config", str(tmp_path / "smsremind.toml"), "import", "in\x00.csv"])
    assert done.exit_code == 1
    assert (
        done.stderr.strip() == "smsremind: error: 'in\\x00.csv': a file name cannot contain a NUL character"
    )
