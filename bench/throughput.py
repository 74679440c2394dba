"""Sending throughput (issue 5): N messages against a local SMSAPI server answering after 50 ms.

A real `smsremind run` (planning, claims, database writes and all) per
setting.  The rate is measured from the server's own timestamps of accepted
messages.  Targets: with `workers` W and no rate cap, >= 80% of W / 50 ms;
with `rate` R, the measured rate within 5% of R.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.fakes.fake_smsapi import FakeSmsapi  # noqa: E402

BIN = str(Path(sys.executable).parent / "smsremind")
LATENCY = 0.05


def _install(folder: Path, url: str, workers: int, rate: float, n: int) -> None:
    subprocess.run([BIN, "init"], cwd=folder, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    (folder / "smsremind.toml").write_text(
        "enabled = true\n[quota]\nmonthly = 10000000\nalerts = []\n[reminders]\nskip_weekends = false\n"
        f'[gateway]\nprovider = "smsapi"\ntoken = "test-token"\nbase_url = "{url}"\nsender = "Gabinet"\n'
        f"timeout = 10\nworkers = {workers}\nrate = {rate}\n"
    )
    rows = ["id,start,phone,patient,practice"]
    rows += [
        f"{i},2026-12-01 {10 + (i * 480 // n) // 60:02d}:{(i * 480 // n) % 60:02d},+48601{i:06d},P,Gabinet"
        for i in range(n)
    ]
    (folder / "v.csv").write_text("\n".join(rows) + "\n")
    subprocess.run(
        [BIN, "--now", "2026-11-20 10:00", "import", "v.csv"],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [BIN, "templates", "set", "reminder", "{practice} {time}"],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def measure(workers: int, rate: float, n: int) -> dict:
    with FakeSmsapi() as fake, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _install(folder, fake.url, workers, rate, n)
        fake.delay(LATENCY)
        started = time.monotonic()
        subprocess.run(
            [BIN, "--now", "2026-11-30 19:00", "run"], cwd=folder, check=True, stdout=subprocess.DEVNULL
        )
        wall = time.monotonic() - started
        times = sorted(m["at"] for m in fake.accepted)
        measured = (len(times) - 1) / (times[-1] - times[0])
        return {
            "workers": workers,
            "rate_limit": rate,
            "messages": len(times),
            "run_seconds": round(wall, 1),
            "messages_per_s": round(measured, 1),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--rate-messages", type=int, default=2_000)
    a = ap.parse_args()
    results = []
    for workers in (1, 4, 8):
        r = measure(workers, 10_000, a.messages)
        r["target"] = round(0.8 * workers / LATENCY, 1)
        r["ok"] = r["messages_per_s"] >= r["target"]
        print(json.dumps(r), flush=True)
        results.append(r)
    r = measure(8, 50, a.rate_messages)
    r["target"] = "50 +- 5%"
    r["ok"] = abs(r["messages_per_s"] - 50) <= 2.5
    print(json.dumps(r), flush=True)
    results.append(r)
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "throughput.json").write_text(json.dumps(results, indent=2))
    print("\n| workers | rate cap | messages | messages/s | target | run s |")
    print("|---|---|---|---|---|---|")
    for r in results:
        cap = "none" if r["rate_limit"] >= 10_000 else r["rate_limit"]
        print(
            f"| {r['workers']} | {cap} | {r['messages']} | {r['messages_per_s']} | {r['target']} "
            f"| {r['run_seconds']} |"
        )


if __name__ == "__main__":
    main()
