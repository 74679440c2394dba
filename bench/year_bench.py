"""After a year of use (issue 14): cost per run follows what is due, not what is stored.

On the cached "year" database (bench/year.py: 1M appointments, ~0.9M messages,
~0.85M ledger rows, ~44k runs) against empty databases, every command a real
`smsremind` subprocess.  The machine is shared and noisy, so each round runs
every compared case back to back (interleaved) and every round is reported,
with CPU time (user+sys of the child, from wait4) next to wall time and the
child's peak RSS.

Cases and targets:
* sending 1,000 due messages to the local SMSAPI fake answering after 50 ms,
  8 workers: year vs empty, rate >= 0.9x;
* idle `run` (before the window, tomorrow's visits planned, nothing due):
  year vs empty, CPU <= 1.5x;
* unchanged `import --full` of the 1M file on the year database vs a fresh
  import of it into an empty one: CPU <= 0.1x;
* fresh import vs the floor (`csv.reader` + `executemany` of the same 9
  columns): CPU <= 2.5x; the C floor (`sqlite3` CLI `.import`) beside it;
  each floor runs just before and just after the import, and the mean of the
  two is the round's floor (this VM's speed drifts within minutes);
* `status` and `preview` human output at 1M: CPU <= 1.5x their `--json`.

`--import-only` runs just the fresh import and its two floors on the year's file
(written once to bench/out/year-csv/), without building the year database.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench import year  # noqa: E402
from bench.import_bench import bytecode  # noqa: E402
from tests.fakes.fake_smsapi import FakeSmsapi  # noqa: E402

BIN = str(Path(sys.executable).parent / "smsremind")
LATENCY = 0.05
SEND_AT, IDLE_AT, LOOK_AT = "2026-11-30 19:00", "2026-12-01 07:55", "2026-12-01 08:00"
FLOOR = r"""
import csv, sqlite3, sys
conn = sqlite3.connect(sys.argv[2])
conn.execute("CREATE TABLE t (id, start, patient, phone, practice, doctor, status, language, booked_at)")
with open(sys.argv[1], newline="", encoding="utf-8") as fh:
    reader = csv.reader(fh)
    next(reader)
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", reader)
conn.commit()
"""


def measure(argv: list[str], cwd: Path | None = None, stdin: str | None = None) -> dict:
    """Wall s, CPU s (user+sys) and peak RSS MB of one child process.

    Through GNU time: a child forked from this process would count this process's memory
    in its peak RSS (Linux keeps the high-water mark of the image it replaced at exec).
    """
    with tempfile.NamedTemporaryFile("r") as report:
        shell = ["/bin/sh", "-c", 'cd "$0" && exec "$@"', str(cwd or Path.cwd()), *argv]
        start = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%x %U %S %M", "-o", report.name, *shell],
            input=stdin,
            text=True,
            stdout=subprocess.DEVNULL,
            check=False,
        )
        wall = time.perf_counter() - start
        code, user, system, peak_kb = report.read().split()[-4:]
    if int(code) not in (0, 3) or done.returncode not in (0, 3):
        raise SystemExit(f"{argv} failed")
    return {"wall": round(wall, 3), "cpu": round(float(user) + float(system), 3), "rss": int(peak_kb) // 1024}


def sms(folder: Path, now: str, *args: str) -> dict:
    return measure([BIN, "--now", now, *args], cwd=folder)


def configure(folder: Path, url: str) -> None:
    (folder / "smsremind.toml").write_text(
        "enabled = true\n[quota]\nmonthly = 1000000\nalerts = []\n"
        f'[gateway]\nprovider = "smsapi"\ntoken = "test-token"\nbase_url = "{url}"\nsender = "Gabinet"\n'
        "timeout = 10\nworkers = 8\nrate = 10000\n"
    )
    (folder / "smsremind.toml").chmod(0o600)


def empty(folder: Path, url: str) -> Path:
    folder.mkdir()
    subprocess.run([BIN, "init"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    configure(folder, url)
    return folder


def send_round(folder: Path, fake: FakeSmsapi, n: int, k: int) -> dict:
    """Import n visits of a new practice for Tuesday, then time the run that sends them."""
    rows = ["id,start,phone,patient,practice"]
    rows += [
        f"r{k}v{i},2026-12-01 {10 + (i * 480 // n) // 60:02d}:{(i * 480 // n) % 60:02d},"
        f"+48601{k:02d}{i:04d},P,Bench {k}"
        for i in range(n)
    ]
    (folder / f"bench-{k}.csv").write_text("\n".join(rows) + "\n")
    subprocess.run(
        [BIN, "--now", "2026-11-30 18:00", "import", f"bench-{k}.csv"],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    fake.accepted.clear()
    figures = sms(folder, SEND_AT, "run")
    times = sorted(m["at"] for m in fake.accepted)
    assert len(times) == n, (len(times), n)
    figures["rate"] = round((len(times) - 1) / (times[-1] - times[0]), 1)
    return figures


def one_round(
    work: Path, sending: Path, blanks: dict[str, Path], csv_path: Path, fake: FakeSmsapi, k: int, n: int
) -> dict:
    r: dict[str, dict] = {}
    r["send_year"] = send_round(sending, fake, n, k)
    r["send_empty"] = send_round(blanks["send"], fake, n, k)
    r["idle_year"] = sms(work, IDLE_AT, "run")
    r["idle_empty"] = sms(blanks["idle"], IDLE_AT, "run")
    r["import_unchanged"] = sms(work, "2026-12-01 07:58", "import", "--full", str(csv_path))
    r.update(import_round(csv_path, fake.url))
    for name, args in (("status", ["status"]), ("preview", ["preview", "--date", "2026-12-02"])):
        r[f"{name}_human"] = sms(work, LOOK_AT, *args)
        r[f"{name}_json"] = sms(work, LOOK_AT, *args, "--json")
    return r


def bracketed(first: dict, then: dict) -> dict:
    """A floor measured just before and just after the import it is compared with: their mean.

    This VM's speed drifts by up to a third within minutes; a floor on one side only
    puts the drift into the ratio."""
    return {
        "wall": round((first["wall"] + then["wall"]) / 2, 3),
        "cpu": round((first["cpu"] + then["cpu"]) / 2, 3),
        "rss": max(first["rss"], then["rss"]),
        "cpu_before_after": [first["cpu"], then["cpu"]],
    }


def floors(csv_path: Path) -> tuple[dict, dict]:
    """The Python floor and the C floor (the `sqlite3` shell's `.import`) of one file."""
    with tempfile.TemporaryDirectory() as tmp:
        python = measure([sys.executable, "-c", FLOOR, str(csv_path), f"{tmp}/floor.db"])
    with tempfile.TemporaryDirectory() as tmp:
        c = measure(["sqlite3", f"{tmp}/c.db"], stdin=f".mode csv\n.import {csv_path} t\n")
    return python, c


def import_round(csv_path: Path, url: str) -> dict[str, dict]:
    """A fresh import of the year's file between two runs of each floor."""
    before = floors(csv_path)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = empty(Path(tmp) / "fresh", url)
        imported = sms(fresh, "2026-01-01 07:00", "import", "--full", str(csv_path))
    after = floors(csv_path)
    return {
        "import_fresh": imported,
        "floor_python": bracketed(before[0], after[0]),
        "floor_c": bracketed(before[1], after[1]),
    }


def import_only(rounds: int, rows: int) -> None:
    """``--import-only``: the fresh import vs its floors, without building the year database."""
    folder = HERE / "out" / ("year-csv" if rows == year.ROWS else f"year-csv-{rows}")
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "year.csv"
    if not csv_path.exists():
        year.write_csv(csv_path, rows)
    done = []
    for k in range(1, rounds + 1):
        r = import_round(csv_path, "http://127.0.0.1:9")  # the import sends nothing
        print(json.dumps({"round": k, **r}), flush=True)
        done.append(r)
    cases = ("fresh import CPU / python floor", "fresh import CPU / C sqlite3 .import")
    ratios = {name: s for name, s in summarise(done).items() if name in cases}
    doc = {"rounds": done, "ratios": ratios}
    (HERE / "out" / "year_import.json").write_text(json.dumps(doc, indent=2))
    print(table(doc))


RATIOS = {  # name: (numerator, denominator, figure, target, "le" or "ge")
    "sending rate, year / empty": ("send_year", "send_empty", "rate", 0.9, "ge"),
    "idle run CPU, year / empty": ("idle_year", "idle_empty", "cpu", 1.5, "le"),
    "unchanged import --full CPU / fresh import": ("import_unchanged", "import_fresh", "cpu", 0.1, "le"),
    "fresh import CPU / python floor": ("import_fresh", "floor_python", "cpu", 2.5, "le"),
    "fresh import CPU / C sqlite3 .import": ("import_fresh", "floor_c", "cpu", None, "le"),
    "status human CPU / --json": ("status_human", "status_json", "cpu", 1.5, "le"),
    "preview human CPU / --json": ("preview_human", "preview_json", "cpu", 1.5, "le"),
}


def summarise(rounds: list[dict]) -> dict:
    out = {}
    for name, (a, b, figure, target, way) in RATIOS.items():
        if a not in rounds[0] or b not in rounds[0]:
            continue
        ratios = [round(r[a][figure] / r[b][figure], 3) for r in rounds]
        met = None if target is None else all(x <= target if way == "le" else x >= target for x in ratios)
        out[name] = {
            "rounds": ratios,
            "median": round(statistics.median(ratios), 3),
            "target": target,
            "met": met,
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--rows", type=int, default=year.ROWS, help="a smaller year, for a quick try")
    ap.add_argument(
        "--import-only",
        action="store_true",
        help="only the fresh import vs its floors (no year database is built)",
    )
    a = ap.parse_args()
    bytecode()
    if a.import_only:
        import_only(a.rounds, a.rows)
        return
    folder = year.FOLDER if a.rows == year.ROWS else HERE / "out" / f"year-{a.rows}"
    info = year.build(folder, a.rows)
    print(json.dumps(info), flush=True)
    rounds = []
    with FakeSmsapi() as fake, tempfile.TemporaryDirectory() as tmp:
        fake.delay(LATENCY)
        # Two copies of the year: one that sends (its fresh messages then have delivery reports
        # to fetch, which an idle tick rightly does), one for the idle tick and the rest.
        work, sending = Path(tmp) / "year", Path(tmp) / "year-sending"
        for copy in (work, sending):
            copy.mkdir()
            shutil.copy(folder / "smsremind.db", copy / "smsremind.db")
            configure(copy, fake.url)
        blanks = {name: empty(Path(tmp) / f"empty-{name}", fake.url) for name in ("send", "idle")}
        csv_path = folder / "year.csv"
        # Not timed: the first tick of the morning stores tomorrow's phone classes (once a day).
        first_tick = {
            "year": sms(work, "2026-12-01 07:50", "run"),
            "empty": sms(blanks["idle"], "2026-12-01 07:50", "run"),
        }
        sms(sending, "2026-11-30 18:55", "run")  # its migrations, before the timed sends
        # The year's own import may come from an older build: import it once with this one, so
        # that the timed re-imports are the cron case, the same file again.
        sms(work, "2026-12-01 07:52", "import", "--full", str(csv_path))
        print(json.dumps({"first_tick": first_tick}), flush=True)
        for k in range(1, a.rounds + 1):
            r = one_round(work, sending, blanks, csv_path, fake, k, a.messages)
            print(json.dumps({"round": k, **r}), flush=True)
            rounds.append(r)
    doc = {"year": info, "first_tick": first_tick, "rounds": rounds, "ratios": summarise(rounds)}
    (HERE / "out").mkdir(exist_ok=True)
    name = "year_bench.json" if a.rows == year.ROWS else f"year_bench-{a.rows}.json"
    (HERE / "out" / name).write_text(json.dumps(doc, indent=2))
    print(table(doc))


def table(doc: dict) -> str:
    lines = ["| case | " + " | ".join(f"round {i + 1}" for i in range(len(doc["rounds"]))) + " |"]
    lines.append("|---" * (len(doc["rounds"]) + 1) + "|")
    for case in doc["rounds"][0]:
        cells = []
        for r in doc["rounds"]:
            f = r[case]
            rate = f" · {f['rate']}/s" if "rate" in f else ""
            cells.append(f"{f['cpu']} cpu / {f['wall']} wall · {f['rss']} MB{rate}")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    lines += ["", "| ratio | every round | median | target | met |", "|---|---|---|---|---|"]
    for name, s in doc["ratios"].items():
        met = "—" if s["met"] is None else ("yes" if s["met"] else "**no**")
        target = "—" if s["target"] is None else s["target"]
        lines.append(f"| {name} | {' '.join(map(str, s['rounds']))} | {s['median']} | {target} | {met} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
