"""The exactly-once fault suite (issue 5): per gateway, >= 100 SIGKILLed runs of 500 due messages.

Each round: 500 messages due, random gateway faults injected (hang after
accepting, dropped connections, garbage answers, 503, 429), a real
`smsremind run` killed with SIGKILL at a random moment, then clean runs until
nothing is left `sending`.  Finally 8 overlapping runs over a fresh day.  The
local gateway server's log of accepted messages is the truth.  Writes
bench/out/faults.json and prints a Markdown table.  (tests/sending/test_faults.py
runs a reduced version in CI.)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.fakes.faultkit import suite  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--messages", type=int, default=500)
    ap.add_argument("--gateway", action="append", choices=["smsapi", "smsbrana", "twilio", "serwersms"])
    a = ap.parse_args()
    results = []
    for name in a.gateway or ["smsapi", "smsbrana", "twilio", "serwersms"]:
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as tmp:
            f = suite(name, Path(tmp), rounds=a.rounds, per_day=a.messages)
        f["seconds"] = round(time.monotonic() - started)
        print(json.dumps(f), flush=True)
        results.append(f)
    (HERE / "out").mkdir(exist_ok=True)
    saved = HERE / "out" / "faults.json"
    earlier = [
        f
        for f in (json.loads(saved.read_text()) if saved.exists() else [])
        if f["gateway"] not in {r["gateway"] for r in results}
    ]
    order = ["smsapi", "smsbrana", "twilio", "serwersms"]
    results = sorted(earlier + results, key=lambda f: order.index(f["gateway"]))
    saved.write_text(json.dumps(results, indent=2))
    head = (
        "gateway",
        "rounds",
        "kills",
        "messages",
        "accepted",
        "duplicates",
        "lost",
        "unknown",
        "charged = accepted parts",
    )
    print("\n| " + " | ".join(head) + " |")
    print("|---|---|---|---|---|---|---|---|---|")
    for f in results:
        ok = (
            "yes"
            if f["charged_parts"] == f["accepted_parts"]
            else f"no ({f['charged_parts']}/{f['accepted_parts']})"
        )
        print(
            f"| {f['gateway']} | {f['rounds']} | {f['kills']} | {f['messages']} | {f['accepted']} | "
            f"{f['duplicates']} | {f['lost']} | {f['unknown']} | {ok} |"
        )


if __name__ == "__main__":
    main()
