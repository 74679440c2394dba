"""Planning benchmark (issue 2, SPEC §10): cost with 10k vs 1M stored appointments.

Both calendars hold the same visits in the 14 days after 2026-11-23 (so the
same messages are due); the 1M one adds ten years of history and bookings
more than 90 days ahead.  After a baseline import and one earlier run, the
planning of `preview --date` and of `run --dry-run` is timed in-process,
the two calendars in turn (median of 15 rounds), and the whole commands as
subprocesses for reference.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from smsremind import config
from smsremind.clock import parse_now
from smsremind.rules import notices, planner
from smsremind.sending import runner
from smsremind.sending.gateways.outbox import OutboxGateway
from smsremind.sending.report import RunReport
from smsremind.storage.store import Store

HERE = Path(__file__).resolve().parent
BIN = str(Path(sys.executable).parent / "smsremind")
IMPORT_AT, EARLIER_RUN, NOW, PREVIEW_DAY = (
    "2026-11-23 07:00",
    "2026-11-24 09:00",
    "2026-11-24 20:00",
    "2026-11-25",
)


def seconds(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


class Calendar:
    """One database after a baseline import and an earlier run, ready to be planned."""

    def __init__(self, csv_path: Path, folder: Path):
        subprocess.run([BIN, "init"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
        toml = folder / "smsremind.toml"
        toml.write_text(toml.read_text().replace("enabled = false ", "enabled = true  ", 1))
        for args in (["--now", IMPORT_AT, "import", str(csv_path)], ["--now", EARLIER_RUN, "run"]):
            subprocess.run([BIN, *args], cwd=folder, check=True, stdout=subprocess.DEVNULL)
        self.folder = folder
        self.cfg = config.load(toml)
        self.store = Store(self.cfg.database)
        self.now = parse_now(NOW, self.cfg.timezone)
        self.day = parse_now(PREVIEW_DAY + " 00:00", self.cfg.timezone).date()
        self.times: dict[str, list[float]] = {"preview": [], "dry_run": []}

    def preview(self) -> list:
        ctx = planner.PlanContext.build(self.store, self.cfg, self.now)
        return planner.day_plan(self.store, ctx, self.day, notices.notices_planned)

    def dry_run(self) -> RunReport:
        gateway = OutboxGateway(self.cfg.gateway.outbox)
        return runner.run(self.store, self.cfg, gateway, self.now, dry_run=True)

    def time_once(self) -> None:
        for name in ("preview", "dry_run"):
            self.times[name].append(seconds(getattr(self, name)))

    def figures(self) -> dict:
        wall = {}
        for name, args in (
            ("preview_cmd_s", ["preview", "--date", PREVIEW_DAY, "--json"]),
            ("dry_run_cmd_s", ["run", "--dry-run", "--json"]),
        ):
            t = time.perf_counter()
            subprocess.run([BIN, "--now", NOW, *args], cwd=self.folder, check=True, stdout=subprocess.DEVNULL)
            wall[name] = round(time.perf_counter() - t, 3)
        report = self.dry_run()
        return {
            "stored": self.store.scalar("SELECT count(*) FROM appointments"),
            "preview_messages": len(self.preview()),
            "dry_run_due": sum(1 for m in report.messages if m.status == "due"),
            "preview_plan_ms": round(statistics.median(self.times["preview"]) * 1000, 1),
            "dry_run_plan_ms": round(statistics.median(self.times["dry_run"]) * 1000, 1),
            **wall,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(HERE / "out"))
    ap.add_argument("--rounds", type=int, default=15)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    calendars = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (10_000, 1_000_000):
            csv_path = out / f"plan-{rows}.csv"
            if not csv_path.exists():
                subprocess.run(
                    [sys.executable, str(HERE / "gen.py"), str(csv_path), "--rows", str(rows)], check=True
                )
            (Path(tmp) / str(rows)).mkdir()
            calendars[rows] = Calendar(csv_path, Path(tmp) / str(rows))
        for _ in range(a.rounds):  # interleaved, so that a slow spell of the machine hits both
            for calendar in calendars.values():
                calendar.time_once()
        small, big = (calendars[n].figures() for n in (10_000, 1_000_000))
    summary = {
        "10k": small,
        "1M": big,
        "preview_ratio_1M_vs_10k": round(big["preview_plan_ms"] / small["preview_plan_ms"], 2),
        "dry_run_ratio_1M_vs_10k": round(big["dry_run_plan_ms"] / small["dry_run_plan_ms"], 2),
    }
    print(json.dumps(summary, indent=2))
    (out / "plan.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
