"""Records per validation chunk (``smsremind.intake.sync._CHUNK``): CPU of a fresh import.

The product's own import (``sync.import_rows``: read, validate, insert, index builds,
commit) of the year file into a new database, once per chunk size and round, each in
a fresh process, the sizes in a rotated order every round (this VM gets slower and
faster within minutes, and whichever case runs first is not always favoured).  Every
round is reported: CPU s (user+sys of the child) and wall s.

    python bench/chunk_bench.py [--rounds 5] [--sizes 1000,250,100] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench import import_bench, year  # noqa: E402

NOW = datetime(2026, 1, 1, 6, 0)  # UTC, as the year bench's `--now "2026-01-01 07:00"`


def one(size: int, csv_path: Path, db: Path) -> None:
    """The child: import ``csv_path`` into a new database at ``db`` with chunks of ``size``."""
    from smsremind.intake import formats, importer, sync
    from smsremind.storage.store import Store

    sync._CHUNK = size
    store = Store(db, create=True)
    spec = importer.Spec(csv_path, {}, "Europe/Warsaw")
    prepared = formats.prepare(spec, formats.Options(NOW, "PL", None))
    report = sync.import_rows(store, prepared, NOW, full=True)
    store.close()
    if not report.committed or report.new == 0:
        raise SystemExit(f"import with chunks of {size} did not commit: {report.as_json()}")


def measure(size: int, csv_path: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        argv = [sys.executable, __file__, "--child", str(size), str(csv_path), f"{tmp}/s.db"]
        wall, cpu, _peak = import_bench.measure(argv)
    return {"cpu": round(cpu, 2), "wall": round(wall, 2)}


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        one(int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--sizes", default="1000,250,100")
    ap.add_argument("--rows", type=int, default=year.ROWS)
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    import_bench.bytecode()
    folder = HERE / "out" / ("year-csv" if a.rows == year.ROWS else f"year-csv-{a.rows}")
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "year.csv"
    if not csv_path.exists():
        year.write_csv(csv_path, a.rows)
    rounds = []
    for k in range(a.rounds):
        order = sizes[k % len(sizes) :] + sizes[: k % len(sizes)]
        done = {str(size): measure(size, csv_path) for size in order}
        rounds.append({"order": order, **done})
        print(json.dumps({"round": k + 1, **rounds[-1]}), flush=True)
    (HERE / "out" / "chunk.json").write_text(json.dumps(rounds, indent=2))
    print("\n| chunk | " + " | ".join(f"round {k + 1}" for k in range(len(rounds))) + " |")
    print("|---|" + "---|" * len(rounds))
    for size in sizes:
        cells = [f"{r[str(size)]['cpu']} ({r[str(size)]['wall']})" for r in rounds]
        print(f"| {size} | " + " | ".join(cells) + " |")
    print("\nCPU s (wall s) of each import; per round, CPU relative to chunks of", sizes[0])
    for size in sizes[1:]:
        print(size, " ".join(f"{r[str(size)]['cpu'] / r[str(sizes[0])]['cpu']:.2f}" for r in rounds))


if __name__ == "__main__":
    main()
