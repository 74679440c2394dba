"""`smsremind status`: is cron alive, how did the last run end, what needs a human (SPEC §9).

The cron check counts only time *inside the sending window* since the last
run: a quiet night is normal, an hour of open window without a run is not.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from smsremind.clock import fmt_local, from_store, to_store
from smsremind.money import quota
from smsremind.rules import notices, planner
from smsremind.rules.messages import aware_lenient, load_stored
from smsremind.sending import deliveries
from smsremind.storage.store import Store

CRON_SILENCE = timedelta(hours=1)
RECENT = timedelta(days=7)


def window_time_between(start: datetime, end: datetime, ctx: planner.PlanContext) -> timedelta:
    """How much of the sending window lies between ``start`` and ``end``."""
    opens, closes = ctx.cfg.reminders.window
    total = timedelta()
    day = start.date()
    while day <= end.date():
        w0 = aware_lenient(datetime.combine(day, opens), ctx.tz)
        w1 = aware_lenient(datetime.combine(day, closes), ctx.tz)
        lo, hi = max(start, w0), min(end, w1)
        if hi > lo:
            total += hi - lo
        day += timedelta(days=1)
    return total


def last_run(store: Store, ctx: planner.PlanContext) -> dict[str, Any] | None:
    row = store.one(
        "SELECT * FROM runs WHERE now <= ? ORDER BY now DESC, id DESC LIMIT 1", (to_store(ctx.now),)
    )
    if row is None:
        return None
    return {
        "at": fmt_local(from_store(row["now"], ctx.tz)),
        "outcome": row["outcome"],
        "error": row["error"],
        **{k: row[k] for k in ("sent", "failed", "held", "skipped", "expired", "unknown")},
    }


def cron_warning(store: Store, ctx: planner.PlanContext) -> str | None:
    last = store.scalar("SELECT max(now) FROM runs WHERE now <= ?", (to_store(ctx.now),))
    if last is None:
        return "no run has happened yet: add `smsremind run` to cron (every 5 minutes)"
    since = from_store(last, ctx.tz)
    if window_time_between(since, ctx.now, ctx) > CRON_SILENCE:
        return (
            f"no run since {fmt_local(since)} although the sending window was open: "
            f"is cron still running `smsremind run`?"
        )
    return None


def status(store: Store, ctx: planner.PlanContext) -> dict[str, Any]:
    today = planner.day_plan(store, ctx, ctx.now.date(), notices.notices_planned)
    recent = to_store(ctx.now - RECENT)
    attention = load_stored(
        store,
        ctx.tz,
        "state IN ('unknown', 'failed', 'sending', 'held') OR (state = 'expired' AND send_at >= ?)",
        (recent,),
    )
    counts: dict[str, int] = {}
    for p in today:
        key = "planned" if p.status == "due" else p.status
        counts[key] = counts.get(key, 0) + 1
    return {
        "now": fmt_local(ctx.now),
        "enabled": ctx.cfg.enabled,
        "last_run": last_run(store, ctx),
        "warning": cron_warning(store, ctx),
        "today": counts,
        "planned_today": [p for p in today if p.status in ("planned", "due")],
        "attention": attention,
        "appointments": store.scalar(
            "SELECT count(*) FROM appointments WHERE start >= ?", (to_store(ctx.now),)
        ),
        "quota": quota.current(store, ctx.cfg, ctx.now).as_json(),
        "deliveries": deliveries.summary(store, ctx.now),
        "pending_purchases": [
            r[0]
            for r in store.conn.execute("SELECT session_id FROM payments WHERE state = 'pending' ORDER BY id")
        ],
    }
