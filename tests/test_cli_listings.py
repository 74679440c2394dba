"""Long listings (issue 14): `preview` prints plain aligned lines past a screenful or into a
pipe, and human `status` summarises instead of listing a whole day.  Through the installed CLI
with cron's bare environment (stdout is a pipe)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import csv_file, write_config

BIN = Path(sys.executable).parent / "smsremind"
HEAD = "id,start,phone,patient,practice\n"
N = 300  # more than a rich table is used for


def sh(folder: Path, *args: str, now: str, code: int = 0) -> str:
    env = {"PATH": os.environ["PATH"]}
    argv = [str(BIN), "--now", now, *args]
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == code, (argv, done.returncode, done.stdout, done.stderr)
    return done.stdout


def install(folder: Path, extra: str = "") -> None:
    write_config(folder, extra)
    rows = "".join(
        f"{i},2026-12-01 {9 + i * 10 // N:02d}:{(i * 7) % 60:02d},+4860{i:07d},P{i},Gabinet {'AB'[i % 2]}\n"
        for i in range(N)
    )
    sh(folder, "import", str(csv_file(folder, HEAD + rows)), now="2026-11-20 10:00")


def test_preview_of_a_long_day_is_plain_aligned_lines(tmp_path: Path) -> None:
    install(tmp_path)
    text = sh(tmp_path, "preview", "--date", "2026-11-30", now="2026-11-30 08:00")
    doc = json.loads(sh(tmp_path, "preview", "--date", "2026-11-30", "--json", now="2026-11-30 08:00"))
    lines = text.splitlines()
    assert lines[0] == f"Monday, 30 November 2026: {N} messages"
    # cron mail: 80 columns, no padding
    assert all(len(line) <= 80 and line == line.rstrip() for line in lines)
    header, rule, rows, texts = lines[1], lines[2], lines[3 : 3 + N], lines[3 + N :]
    assert header.split() == ["#", "Send", "at", "Kind", "To", "Practice", "Visits", "Status", "Parts"]
    assert set(rule) == {"-", " "} and not any(ch in text for ch in "┃━│─")  # no table boxes
    # every column starts where its heading does
    starts = [header.index(name) for name in ("Send at", "Kind", "To", "Practice", "Visits", "Status")]
    for row, message in zip(rows, doc, strict=True):
        assert all(row[s - 1] == " " and row[s] != " " for s in starts), row
        # one day listed: the time alone, the date is in the title
        assert f" {message['send_at'][11:]} " in row and message["appointments"][0] in row
        assert "planned" in row
        assert message["to"] not in row and re.search(r"\+48 60 \*\*\* \*\d\d|\+48 60\d \*\*\* \*\d\d", row)
    # each text under its number, wrapped into 80 columns with its continuation lines indented
    joined = " ".join(line.strip() if line.startswith("    ") else f"\n{line}" for line in texts)
    assert [t.split(None, 1)[1].strip() for t in joined.strip().split("\n")] == [m["text"] for m in doc]


def test_status_counts_and_lists_the_first_problems(tmp_path: Path) -> None:
    install(tmp_path, "[quota]\nmonthly = 5\nalerts = []\n")
    sh(tmp_path, "run", now="2026-11-30 19:00")  # 5 sent, the rest held for want of quota
    doc = json.loads(sh(tmp_path, "status", "--json", now="2026-11-30 19:05"))
    assert len(doc["attention"]) == N - 5  # --json still lists everything
    text = sh(tmp_path, "status", now="2026-11-30 19:05")
    assert f"Today (2026-11-30): {N - 5} held, 5 sent" in text
    assert f"Needs a look (unknown, failed, held, recently expired): {N - 5} held" in text
    listed = [line for line in text.splitlines() if re.match(r"\s*\d+\s+\d\d:\d\d ", line)]
    assert len(listed) == 20 and all("held (the SMS quota is used up)" in line for line in listed)
    assert f"... and {N - 25} more (--json lists them all)" in text
