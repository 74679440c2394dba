"""`smsremind status`: is cron alive, how did the last run end, what needs a human (SPEC §9).

The cron check counts only time *inside the sending window* since the last
run: a quiet night is normal, an hour of open window without a run is not.

The `--check` line is for people (a monitor shows it to the administrator): it speaks their
language, after the fixed "OK:"/"PROBLEM:" a monitor may match.  The JSON document's
``warning`` stays English; ``status(people=True)`` gives it in the user's language.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from smsremind.clock import day_start, fmt_local, from_store, to_store
from smsremind.i18n import N_, Later, _, ngettext
from smsremind.money import quota
from smsremind.rules import notices, planner
from smsremind.rules.messages import QUOTA, aware_lenient, load_stored
from smsremind.sending import deliveries
from smsremind.storage.store import OPEN_MESSAGES, Store

RECENT = timedelta(days=7)

# `status --check` exit codes, most urgent first (docs/exit-codes.md); 0 is healthy.
CHECK_CRON, CHECK_ERROR, CHECK_FAILED, CHECK_HELD = 4, 5, 6, 7


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


def cron_warning(store: Store, ctx: planner.PlanContext) -> Later | None:
    last = store.scalar("SELECT max(now) FROM runs WHERE now <= ?", (to_store(ctx.now),))
    if last is None:
        return Later(N_("no run has happened yet: add `smsremind run` to cron (every 5 minutes)"))
    since = from_store(last, ctx.tz)
    if window_time_between(since, ctx.now, ctx) > timedelta(minutes=ctx.cfg.monitoring.cron_alert_after):
        text = N_(
            "no run since {since} although the sending window was open: "
            "is cron still running `smsremind run`?"
        )
        return Later(text, since=fmt_local(since))
    return None


def check(store: Store, ctx: planner.PlanContext) -> tuple[int, str]:
    """One line and an exit code for a monitoring system: what needs a human, most urgent first."""
    if not ctx.cfg.enabled:
        return 0, "OK: " + _("sending is disabled (enabled = false); nothing to watch")
    today = to_store(day_start(ctx.now.date(), ctx.tz))
    problems: list[tuple[int, str]] = []
    if warning := cron_warning(store, ctx):
        problems.append((CHECK_CRON, _(warning)))
    last = store.one(
        "SELECT outcome, error FROM runs WHERE now <= ? ORDER BY now DESC, id DESC LIMIT 1",
        (to_store(ctx.now),),
    )
    if last and last["outcome"] == "error":
        problems.append((CHECK_ERROR, _("the last run ended in error: {error}").format(error=last["error"])))
    bad = store.scalar(
        "SELECT count(*) FROM messages WHERE state IN ('unknown', 'failed') AND "
        "(send_at >= ? OR updated_at >= ?)",
        (today, today),
    )
    if bad:
        text = ngettext(
            "{n} message failed or has an unknown fate today",
            "{n} messages failed or have an unknown fate today",
            bad,
        )
        problems.append((CHECK_FAILED, text.format(n=bad)))
    if held := held_for_quota(store)["messages"]:
        text = ngettext(
            "{n} message held: the SMS quota is used up", "{n} messages held: the SMS quota is used up", held
        )
        problems.append((CHECK_HELD, text.format(n=held)))
    if not problems:
        last_at = last_run(store, ctx)
        when = last_at["at"] if last_at else _("never")
        return 0, "OK: " + _("last run {at}").format(at=when)
    return problems[0][0], "PROBLEM: " + "; ".join(text for _, text in problems)


def _warning(warning: Later | None, people: bool) -> str | None:
    if warning is None:
        return None
    return _(warning) if people else str(warning)


def held_for_quota(store: Store) -> dict[str, int]:
    messages, parts = store.conn.execute(
        f"SELECT count(*), coalesce(sum(parts), 0) FROM messages WHERE {OPEN_MESSAGES} "
        "AND state = 'held' AND reason = ?",
        (QUOTA,),
    ).fetchone()
    return {"messages": messages, "parts": parts}


def status(store: Store, ctx: planner.PlanContext, people: bool = False) -> dict[str, Any]:
    """The `status --json` document; ``people``: its ``warning`` in the user's language."""
    today = planner.day_plan(store, ctx, ctx.now.date(), notices.notices_planned)
    recent = to_store(ctx.now - RECENT)
    attention = load_stored(
        store,
        ctx.tz,
        # Two index searches (open messages; recent expiries), not one scan for an OR.
        f"id IN (SELECT id FROM messages WHERE {OPEN_MESSAGES} "
        "UNION ALL SELECT id FROM messages WHERE state = 'expired' AND send_at >= ?)",
        (recent,),
    )
    attention.sort(key=lambda p: p.status != "held")  # what stopped sending comes first
    counts: dict[str, int] = {}
    for p in today:
        key = "planned" if p.status == "due" else p.status
        counts[key] = counts.get(key, 0) + 1
    return {
        "now": fmt_local(ctx.now),
        "enabled": ctx.cfg.enabled,
        "last_run": last_run(store, ctx),
        "warning": _warning(cron_warning(store, ctx), people),
        "today": counts,
        "planned_today": [p for p in today if p.status in ("planned", "due")],
        "attention": attention,
        "held": held_for_quota(store),
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
