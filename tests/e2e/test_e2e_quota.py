"""The quota story of issue 4 through the installed binary, with real P24 and SMTP servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import p24_config
from tests.e2e.test_e2e import outbox, sh

pytestmark = pytest.mark.slow


def test_hold_top_up_release_and_next_month(tmp_path: Path, p24, smtp) -> None:
    sh(tmp_path, "init")
    (tmp_path / "smsremind.toml").write_text(
        "enabled = true\n[quota]\nmonthly = 3\n" + p24_config(p24) + smtp.config(), encoding="utf-8"
    )
    rows = "".join(f"{i},2026-12-01 1{i}:00,60123450{i},Pacjent {i},Gabinet\n" for i in range(5))
    (tmp_path / "a.csv").write_text("id,start,phone,patient,practice\n" + rows, encoding="utf-8")
    sh(tmp_path, "import", "a.csv", now="2026-11-20 10:00")
    sh(tmp_path, "templates", "set", "reminder", "{practice}: wizyta jutro o {time}")

    first = json.loads(sh(tmp_path, "run", "--json", now="2026-11-30 19:00").stdout)
    assert (first["sent"], first["held"]) == (3, 2)
    # one mail, the one that says how many wait (not also "0 left")
    assert [m["Subject"] for m in smtp.messages] == [
        "smsremind: wysyłka wstrzymana – 2 SMS czeka na doładowanie"
    ]

    p24.pay_later(after_polls=2)
    bought = sh(
        tmp_path,
        "quota",
        "buy",
        "100",
        "--no-browser",
        "--poll",
        "0.02",
        "--wait",
        "30",
        now="2026-11-30 19:02",
    ).stdout
    assert "100 SMS credited" in bought and "Invoice SMS/USMIECH/2026/0001" in bought
    assert smtp.messages[-1]["Subject"] == "Faktura SMS/USMIECH/2026/0001 – pakiet 100 SMS"

    released = json.loads(sh(tmp_path, "run", "--json", now="2026-11-30 19:05").stdout)
    assert (released["sent"], released["held"]) == (2, 0)
    assert len(outbox(tmp_path)) == 5
    quota = json.loads(sh(tmp_path, "quota", "--json", now="2026-11-30 19:06").stdout)
    assert (quota["monthly_left"], quota["bought_left"], quota["used_this_month"]) == (0, 98, 5)

    december = json.loads(sh(tmp_path, "quota", "--json", now="2026-12-01 08:00").stdout)
    assert december == {
        "monthly_allowance": 3,
        "monthly_left": 3,
        "bought_left": 98,
        "total": 101,
        "used_this_month": 0,
        "resets_on": "2027-01-01",
    }
    history = sh(tmp_path, "quota", "history", now="2026-12-01 08:00").stdout
    assert "purchase" in history and "charge" in history


def test_parallel_runs_never_overdraw_the_quota(tmp_path: Path) -> None:
    import subprocess

    from tests.e2e.test_e2e import BIN

    sh(tmp_path, "init")
    (tmp_path / "smsremind.toml").write_text("enabled = true\n[quota]\nmonthly = 25\nalerts = []\n")
    rows = "".join(
        f"{i},2026-12-01 {10 + i % 8}:{i % 60:02d},+48601{i:06d},P{i},Gabinet\n" for i in range(60)
    )
    (tmp_path / "a.csv").write_text("id,start,phone,patient,practice\n" + rows)
    sh(tmp_path, "import", "a.csv", now="2026-11-20 10:00")
    sh(tmp_path, "templates", "set", "reminder", "{practice} {time}")
    argv = [str(BIN), "--now", "2026-11-30 19:00", "run", "--json"]
    procs = [subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    sent = sum(json.loads(p.communicate(timeout=120)[0])["sent"] for p in procs)
    quota = json.loads(sh(tmp_path, "quota", "--json", now="2026-11-30 19:01").stdout)
    assert sent == len(outbox(tmp_path)) == 25
    assert (quota["total"], quota["used_this_month"]) == (0, 25)
