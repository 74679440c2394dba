"""Import benchmark (issue 2, SPEC §10): `smsremind import` vs the raw floor.

Floor: csv.reader + sqlite3.executemany of the same rows into an 8-column
table, one commit, in a fresh process.  Both run as separate processes on a
fresh database, interleaved, N times: each round runs the floor, the import,
the floor again (a round's floor is the mean of the two) and an unchanged
re-import.  Reported: the medians of each series, the per-round ratios (the
floor on both sides of the import, so a slow spell of the machine hits both:
the paired figure is the steadier one on a VM whose speed drifts), and peak
RSS from the kernel's accounting of each child (ru_maxrss).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLOOR = r"""
import csv, sqlite3, sys
conn = sqlite3.connect(sys.argv[2])
conn.execute("CREATE TABLE t (id, start, patient, phone, practice, doctor, status, language)")
with open(sys.argv[1], newline="", encoding="utf-8") as fh:
    reader = csv.reader(fh)
    next(reader)
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)", reader)
conn.commit()
"""
SMSREMIND = str(Path(sys.executable).parent / "smsremind")


def measure(argv: list[str], cwd: str | None = None, ok: tuple[int, ...] = (0,)) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user+sys: steadier on a shared machine) and peak RSS (MB) of a child."""
    start = time.perf_counter()
    # Only a partial import (3: rejected rows, expected) has its reject lines silenced.
    err = subprocess.DEVNULL if 3 in ok else None
    pid = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err).pid
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in ok:
        raise SystemExit(f"{argv} failed")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def bytecode() -> None:
    """Compile the package's modules once, as installing a wheel does: with
    PYTHONDONTWRITEBYTECODE set (as in some shells and CI images) each child would
    otherwise compile every module again, ~0.2 s of CPU that no installed copy spends."""
    compileall.compile_dir(HERE.parent / "smsremind", quiet=1)


def timed(argv: list[str], cwd: str | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one child process."""
    elapsed, _, peak = measure(argv, cwd)
    return elapsed, peak


def fresh_install(folder: Path) -> None:
    subprocess.run([SMSREMIND, "init"], cwd=folder, check=True, stdout=subprocess.DEVNULL)


def run(csv_path: Path, repeat: int, where: str | None) -> dict:
    floor, ours, rss, floor_cpu, ours_cpu = [], [], [], [], []
    floor_cpu_each: list[list[float]] = []
    for _ in range(repeat):
        # The floor just before and just after the import, averaged: this VM's speed drifts by
        # up to a third within minutes, and a floor on one side only puts that into the ratio.
        with tempfile.TemporaryDirectory(dir=where) as tmp, tempfile.TemporaryDirectory(dir=where) as mine:
            before = measure([sys.executable, "-c", FLOOR, str(csv_path), f"{tmp}/before.db"])
            fresh_install(Path(mine))
            seconds, cpu, peak = measure(
                [SMSREMIND, "--now", "2026-11-23 07:00", "import", str(csv_path)], cwd=mine
            )
            after = measure([sys.executable, "-c", FLOOR, str(csv_path), f"{tmp}/after.db"])
            again = timed([SMSREMIND, "--now", "2026-11-23 08:00", "import", str(csv_path)], cwd=mine)
        ours.append(seconds)
        ours_cpu.append(cpu)
        rss.append(peak)
        floor.append((before[0] + after[0]) / 2)
        floor_cpu.append((before[1] + after[1]) / 2)
        floor_cpu_each.append([round(before[1], 2), round(after[1], 2)])
    f, o = statistics.median(floor), statistics.median(ours)
    paired = [b / a for a, b in zip(floor, ours, strict=True)]
    return {
        "databases_on": where or tempfile.gettempdir(),
        "rows": sum(1 for _ in open(csv_path, encoding="utf-8")) - 1,
        "floor_s": round(f, 2),
        "import_s": round(o, 2),
        "ratio": round(o / f, 2),
        "ratio_paired_median": round(statistics.median(paired), 2),
        "ratio_best": round(min(ours) / min(floor), 2),
        "rounds_within_3x": sum(r <= 3 for r in paired),
        "reimport_unchanged_s": round(again[0], 2),
        "import_peak_rss_mb": max(rss),
        "reimport_peak_rss_mb": again[1],
        "runs": repeat,
        "floor_all": [round(x, 2) for x in floor],
        "import_all": [round(x, 2) for x in ours],
        "ratio_all": [round(x, 2) for x in paired],
        "floor_cpu_all": [round(x, 2) for x in floor_cpu],
        "floor_cpu_before_after": floor_cpu_each,
        "import_cpu_all": [round(x, 2) for x in ours_cpu],
        "ratio_cpu_paired_median": round(
            statistics.median(b / a for a, b in zip(floor_cpu, ours_cpu, strict=True)), 2
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(HERE / "out"))
    ap.add_argument(
        "--dir",
        action="append",
        help="folder for the databases (repeatable; default: disk temp dir and /dev/shm when present)",
    )
    a = ap.parse_args()
    bytecode()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"appointments-{a.rows}.csv"
    if not csv_path.exists():
        subprocess.run(
            [sys.executable, str(HERE / "gen.py"), str(csv_path), "--rows", str(a.rows)], check=True
        )
    places = a.dir or [None, *(["/dev/shm"] if Path("/dev/shm").is_dir() else [])]
    results = [run(csv_path, a.repeat, where) for where in places]
    print(json.dumps(results, indent=2))
    (out / "import.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
