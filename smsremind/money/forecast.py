"""`quota forecast`: when does the balance run out, and which pack covers the month?

Simulates the coming days with the messages planned for them (reminders as
the planner sees them today), taking the monthly pool first and refilling it
on the first of each month, as the ledger will.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from smsremind.config import Config
from smsremind.money import quota
from smsremind.rules import planner
from smsremind.storage.store import Store

PACKS = (100, 500, 1000)


@dataclass
class Forecast:
    total: int
    days: list[tuple[date, int, int]] = field(default_factory=list)  # (day, messages, parts)
    runs_out_on: date | None = None
    month_end: date | None = None
    needed_this_month: int = 0
    pack: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "runs_out_on": self.runs_out_on.isoformat() if self.runs_out_on else None,
            "needed_this_month": self.needed_this_month,
            "suggested_pack": self.pack,
            "days": [{"date": d.isoformat(), "messages": n, "parts": p} for d, n, p in self.days],
        }


def forecast(store: Store, cfg: Config, now: datetime, days: int = 31) -> Forecast:
    ctx = planner.PlanContext.build(store, cfg, now)
    b = quota.current(store, cfg, now)
    month_end = b.resets_on - timedelta(days=1)
    f = Forecast(b.total, month_end=month_end)
    monthly, bought, month = b.monthly_left, b.bought_left, now.month
    this_month = 0
    for offset in range(days):
        day = now.date() + timedelta(days=offset)
        due = [p for p in planner.reminders_for(store, ctx, [day]) if p.status in ("planned", "due")]
        parts = sum(p.parts for p in due)
        f.days.append((day, len(due), parts))
        if day.month != month:
            monthly, month = cfg.quota.monthly, day.month
        if day <= month_end:
            this_month += parts
        from_monthly = min(parts, monthly)
        monthly -= from_monthly
        bought -= parts - from_monthly
        if bought < 0 and f.runs_out_on is None:
            f.runs_out_on = day
    f.needed_this_month = max(this_month - b.total, 0)
    f.pack = next((p for p in PACKS if p >= f.needed_this_month), PACKS[-1]) if f.needed_this_month else None
    return f
