"""Generate a realistic appointments CSV for the benchmarks.

Patients repeat as in a real practice: a pool of N/8 patients, a fifth of
them in families sharing one phone, visiting again and again.  ``near`` visits
fall in the 14 days after ``--today`` (what planning reads); the rest are
history before it and bookings more than 90 days ahead, so two files with the
same ``near`` have the same number of due messages whatever their size.
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, datetime, timedelta

FIRST = ["Anna", "Małgorzata", "Łucja", "Żaneta", "Piotr", "Łukasz", "Jędrzej", "Zbigniew", "Jiří", "Emily"]
LAST = ["Nowak", "Wiśniewska", "Wójcik", "Dąbrowski", "Kozłowska", "Zając", "Król", "Stępień", "Novák"]
PRACTICES = ["Gabinet Stomatologiczny Uśmiech", "Przychodnia Zdrowie", "Ordinace Úsměv"]


# Polish mobile prefixes (a few landlines and bad numbers come in separately).
MOBILE = [
    "501",
    "502",
    "503",
    "510",
    "512",
    "530",
    "531",
    "533",
    "600",
    "601",
    "602",
    "604",
    "660",
    "661",
    "662",
    "667",
    "691",
    "692",
    "693",
    "694",
    "695",
    "696",
    "697",
    "698",
    "721",
    "723",
    "724",
    "728",
    "780",
    "781",
    "782",
    "785",
    "790",
    "791",
    "797",
    "880",
    "881",
    "883",
    "885",
]


def phones(n_patients: int, rng: random.Random) -> list[str]:
    out: list[str] = []
    while len(out) < n_patients:
        roll = rng.random()
        if roll < 0.02:
            number = f"22 {rng.randrange(10**7):07d}"  # a Warsaw landline
        elif roll < 0.025:
            number = f"{rng.randrange(10**5)}"  # a typo
        else:
            number = f"+48{rng.choice(MOBILE)}{rng.randrange(10**6):06d}"
        out += [number] * (rng.choice([2, 3]) if rng.random() < 0.2 else 1)
    return out[:n_patients]


def slot(day: date, rng: random.Random) -> str:
    minutes = 8 * 60 + 15 * rng.randrange(44)  # 08:00-18:45 in quarter hours
    return f"{day:%Y-%m-%d} {minutes // 60:02d}:{minutes % 60:02d}"


def rows(total: int, near: int, today: date, seed: int = 7):
    """``near`` visits in the 14 days after ``today`` (identical for any ``total``), then history."""
    near_rng, far_rng = random.Random(seed), random.Random(seed + 1)
    near_pool = phones(int(near * 0.9), near_rng)
    far_pool = phones(max(total // 8, 1), far_rng)
    for i in range(total):
        rng, pool = (near_rng, near_pool) if i < near else (far_rng, far_pool)
        if i < near:
            day = today + timedelta(days=1 + i % 14)
        elif rng.random() < 0.85:
            day = today - timedelta(days=1 + rng.randrange(3650))
        else:
            day = today + timedelta(days=91 + rng.randrange(700))
        status = "cancelled" if rng.random() < 0.04 else "scheduled"
        yield (
            f"{i + 1}",
            slot(day, rng),
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            rng.choice(pool),
            PRACTICES[i % 3] if i >= near else PRACTICES[0],
            f"dr {rng.choice(LAST)}",
            status,
            "pl",
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--near", type=int, default=2000)
    ap.add_argument("--today", default="2026-11-23")
    a = ap.parse_args()
    today = datetime.strptime(a.today, "%Y-%m-%d").date()
    with open(a.out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "start", "patient", "phone", "practice", "doctor", "status", "language"])
        w.writerows(rows(a.rows, a.near, today))


if __name__ == "__main__":
    main()
