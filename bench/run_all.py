"""`make bench`: every benchmark script, then a Markdown summary on stdout.

Figures land in bench/out/*.json; docs/performance.md quotes a run of this.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def run(script: str, *args: str) -> None:
    print(f"$ python bench/{script} {' '.join(args)}".rstrip(), flush=True)
    subprocess.run([sys.executable, str(HERE / script), *args], check=True, stdout=subprocess.DEVNULL)


def year_table() -> str:
    sys.path.insert(0, str(HERE.parent))
    from bench.year_bench import table

    return table(json.loads((OUT / "year_bench.json").read_text()))


def main() -> None:
    run("import_bench.py", "--repeat", "9")
    run("chunk_bench.py")
    run("formats_bench.py")
    run("plan_bench.py")
    run("throughput.py")
    run("fault_suite.py")
    run("year_bench.py")
    imports = json.loads((OUT / "import.json").read_text())
    plan = json.loads((OUT / "plan.json").read_text())
    print(
        "\n| import of 1,000,000 rows | floor s | smsremind s | ratio | unchanged re-import s | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|")
    for r in imports:
        print(
            f"| databases on {r['databases_on']} | {r['floor_s']} | {r['import_s']} | {r['ratio']} "
            f"| {r['reimport_unchanged_s']} | {r['import_peak_rss_mb']} |"
        )
    print("\n| import of | rows | MB | s (CPU s) | rows/s | peak RSS MB | unchanged re-import s (CPU s) |")
    print("|---|---|---|---|---|---|---|")
    for f in json.loads((OUT / "formats.json").read_text()):
        print(
            f"| {f['file']} | {f['rows']} | {f['mb']} | {f['import_s']} ({f['import_cpu_s']}) "
            f"| {f['rows_per_s']} | {f['peak_rss_mb']} | {f['reimport_s']} ({f['reimport_cpu_s']}) |"
        )
    print("\n| planning | stored | due now | preview ms | run --dry-run ms |")
    print("|---|---|---|---|---|")
    for key in ("10k", "1M"):
        p = plan[key]
        cells = (key, p["stored"], p["dry_run_due"], p["preview_plan_ms"], p["dry_run_plan_ms"])
        print("| " + " | ".join(str(c) for c in cells) + " |")
    ratios = (plan["preview_ratio_1M_vs_10k"], plan["dry_run_ratio_1M_vs_10k"])
    print(f"| 1M / 10k | | | {ratios[0]} | {ratios[1]} |")
    print("\n| workers | rate cap | messages | messages/s | target |")
    print("|---|---|---|---|---|")
    for t in json.loads((OUT / "throughput.json").read_text()):
        cap = "none" if t["rate_limit"] >= 10_000 else t["rate_limit"]
        print(f"| {t['workers']} | {cap} | {t['messages']} | {t['messages_per_s']} | {t['target']} |")
    print("\n| gateway | kills | messages | duplicates | lost | unknown | charged == accepted parts |")
    print("|---|---|---|---|---|---|---|")
    for f in json.loads((OUT / "faults.json").read_text()):
        same = f["charged_parts"] == f["accepted_parts"]
        print(
            f"| {f['gateway']} | {f['kills']} | {f['messages']} | {f['duplicates']} | {f['lost']} "
            f"| {f['unknown']} | {same} |"
        )
    print("\nAfter a year of use (bench/year_bench.py), every round:\n")
    print(year_table())


if __name__ == "__main__":
    main()
