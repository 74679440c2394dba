"""Planning benchmark (issue 2, SPEC §10): cost with 10k vs 1M stored appointments.

Both calendars hold the same visits in the 14 days after 2026-11-23 (so the
same messages are due); the 1M one adds ten years of history and bookings
more than 90 days ahead.  After a baseline import and one earlier run, the
planning of `preview --date` and of `run --dry-run` is timed in-process
(median of 7), and the whole commands as subprocesses for reference.
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

from smsremind import config, notices, planner, runner
from smsremind.clock import parse_now
from smsremind.gateways.outbox import OutboxGateway
from smsremind.store import Store

HERE = Path(__file__).resolve().parent
BIN = str(Path(sys.executable).parent / "smsremind")
IMPORT_AT, EARLIER_RUN, NOW, PREVIEW_DAY = (
    "2026-11-23 07:00",
    "2026-11-24 09:00",
    "2026-11-24 20:00",
    "2026-11-25",
)


def median_seconds(fn, times: int = 7) -> tuple[float, object]:
    results, out = [], None
    for _ in range(times):
        t = time.perf_counter()
        out = fn()
        results.append(time.perf_counter() - t)
    return statistics.median(results), out


def measure(csv_path: Path, folder: Path) -> dict:
    subprocess.run([BIN, "init"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    toml = folder / "smsremind.toml"
    toml.write_text(toml.read_text().replace("enabled = false ", "enabled = true  ", 1))
    subprocess.run(
        [BIN, "--now", IMPORT_AT, "import", str(csv_path)], cwd=folder, check=True, stdout=subprocess.DEVNULL
    )
    subprocess.run([BIN, "--now", EARLIER_RUN, "run"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    cfg = config.load(toml)
    store = Store(cfg.database)
    now = parse_now(NOW, cfg.timezone)
    day = parse_now(PREVIEW_DAY + " 00:00", cfg.timezone).date()

    def preview() -> list:
        ctx = planner.PlanContext.build(store, cfg, now)
        return planner.day_plan(store, ctx, day, notices.notices_planned)

    def dry_run() -> runner.RunReport:
        return runner.run(store, cfg, OutboxGateway(cfg.gateway.outbox), now, dry_run=True)

    preview_s, plan = median_seconds(preview)
    dry_s, report = median_seconds(dry_run)
    wall = {}
    for name, args in (
        ("preview_cmd_s", ["preview", "--date", PREVIEW_DAY, "--json"]),
        ("dry_run_cmd_s", ["run", "--dry-run", "--json"]),
    ):
        t = time.perf_counter()
        subprocess.run([BIN, "--now", NOW, *args], cwd=folder, check=True, stdout=subprocess.DEVNULL)
        wall[name] = round(time.perf_counter() - t, 3)
    stored = store.scalar("SELECT count(*) FROM appointments")
    due = sum(1 for m in report.messages if m.status == "due")
    return {
        "stored": stored,
        "preview_messages": len(plan),
        "dry_run_due": due,
        "preview_plan_ms": round(preview_s * 1000, 1),
        "dry_run_plan_ms": round(dry_s * 1000, 1),
        **wall,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(HERE / "out"))
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for rows in (10_000, 1_000_000):
        csv_path = out / f"plan-{rows}.csv"
        if not csv_path.exists():
            subprocess.run(
                [sys.executable, str(HERE / "gen.py"), str(csv_path), "--rows", str(rows)], check=True
            )
        with tempfile.TemporaryDirectory() as tmp:
            results[rows] = measure(csv_path, Path(tmp))
    small, big = results[10_000], results[1_000_000]
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
