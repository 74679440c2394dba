"""One `smsremind run`: lock, recover, plan, record, claim, send (SPEC §2, §4, §5, §7).

Order matters for exactly-once:

1. take the run lock; an overlapping cron start finds it taken and leaves;
2. resolve messages a killed run left in ``sending`` (resend with the same
   idempotency key where the gateway has one, else look them up at the
   gateway, else ``unknown``) - see :mod:`smsremind.sending.outbound`;
3. settle pending purchases, so that a top-up frees held messages now;
4. plan from the store as it is now: reminders for today, expiries and late
   bookings since the last run, notices;
5. record skipped/expired outcomes; claim each due message (commit as
   ``sending``), hand it to the gateway, record its answer;
6. fetch delivery reports; with ``[replies] enabled``, fetch patients'
   answers and store them (:mod:`smsremind.replies`); mail low-balance alerts.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from smsremind.clock import day_start, from_store, to_store
from smsremind.config import Config
from smsremind.money import alerts
from smsremind.money.payments import purchase
from smsremind.replies import inbox, poll
from smsremind.rules import notices, planner
from smsremind.rules.messages import Planned, TextSource, Visit
from smsremind.sending import acks, deliveries, journal
from smsremind.sending import report as report_mod
from smsremind.sending.gateways.base import Gateway
from smsremind.sending.outbound import Outbound
from smsremind.sending.report import COUNTS, RunReport, describe
from smsremind.storage.store import Store

# Expiry looks back at most this far (a cron outage longer than that is
# reported by `status`, not replayed message by message).
_LOOKBACK_DAYS = 35
_OPTOUTS_READ = "replies.gateway_optouts_read_at"
log = logging.getLogger(__name__)


@dataclass
class Plan:
    outcomes: list[Planned]  # reminders and notices, any status
    quiet: list[Visit]  # changes that owe no notice


def plan(store: Store, ctx: planner.PlanContext, since: datetime) -> Plan:
    """All a run at ctx.now acts on: expiries and late bookings since ``since``, today, notices."""
    today = ctx.now.date()
    days = [since.date() + timedelta(days=i) for i in range((today - since.date()).days + 1)]
    outcomes = planner.reminders_for(store, ctx, days)
    seen = {vid for p in outcomes for vid in p.starts}
    outcomes += [p for p in planner.late_bookings(store, ctx, since) if not seen & p.starts.keys()]
    owed, quiet = notices.notice_outcomes(store, ctx)
    outcomes = sorted(outcomes + owed, key=lambda p: (p.send_at, p.practice, p.to))
    return Plan(outcomes, quiet)


def since_last_run(store: Store, cfg: Config, now: datetime) -> datetime:
    """Where this run takes over: the previous run's now (or the start of today)."""
    last = store.scalar("SELECT max(now) FROM runs WHERE now <= ?", (to_store(now),))
    floor = day_start(now.date() - timedelta(days=_LOOKBACK_DAYS), cfg.timezone)
    if not last:
        return day_start(now.date(), cfg.timezone)
    return max(from_store(last, cfg.timezone), floor)


def run(
    store: Store,
    cfg: Config,
    gateway: Gateway,
    now: datetime,
    *,
    dry_run: bool = False,
    text_for: TextSource | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RunReport:
    if dry_run:
        return _dry_run(store, cfg, now, text_for)
    if not cfg.enabled:
        return RunReport(now, disabled=True)
    with store.run_lock() as got:
        if not got:
            return RunReport(now, busy=True)
        report = RunReport(now)
        since = since_last_run(store, cfg, now)
        run_id = _start(store, now)
        out = Outbound(store, cfg, gateway, now, report, run_id, sleep)
        try:
            try:
                out.recover()
                report.payments = purchase.check_pending(store, cfg, now)  # a top-up frees held messages
                if cfg.replies.enabled:
                    _gateway_optouts(store, cfg, gateway, now)
                for payment, state in report.payments:
                    log.info("purchase %s: %s", payment, state)
                ctx = planner.PlanContext.build(
                    store, cfg, now, text_for, lazy_texts=True, actionable_only=True
                )
                todo = plan(store, ctx, since)
                journal.store_phone_classes(store, ctx.learned_phones)
                _act(store, out, ctx, todo, run_id)
            finally:
                out.close()
            if cfg.replies.enabled:  # before reports: a shared inbox is read (and stored) first
                report.replies = _take_replies(store, cfg, gateway, now)
            deliveries.track(store, gateway, now)
            if cfg.replies.enabled and cfg.replies.acknowledge:
                ack = Outbound(store, cfg, gateway, now, report, run_id, sleep)
                try:
                    acks.send(store, cfg, ack, now)
                finally:
                    ack.close()
            alerts.check(store, cfg, now)
            report.messages.sort(key=lambda m: (m.send_at, m.practice, m.to, m.kind))
        except BaseException as exc:
            _finish(store, run_id, report, "error", str(exc) or type(exc).__name__)
            log.info("run ended in error: %s", str(exc) or type(exc).__name__)
            raise
        _finish(store, run_id, report, "partial" if report.exit_code else "ok", None)
        done = ", ".join(f"{getattr(report, k)} {k}" for k in COUNTS)
        log.log(logging.INFO if report.messages else logging.DEBUG, "run finished: %s", done)
        return report


def _take_replies(store: Store, cfg: Config, gateway: Gateway, now: datetime) -> int:
    """Fetch answers from a window back (repeats are stored once); returns how many were new."""
    since = now - timedelta(days=cfg.replies.window_days)
    new = len(poll.after_fetch(store, cfg, now, gateway.name, gateway.replies(since)).new)
    late = gateway.forget_replies()  # only now that they are stored may the gateway forget them
    if late:
        new += len(poll.after_fetch(store, cfg, now, gateway.name, late).new)
    return new


def _gateway_optouts(store: Store, cfg: Config, gateway: Gateway, now: datetime) -> None:
    """The gateway's own blacklist joins ours before planning, read at most hourly."""
    last = store.get_meta(_OPTOUTS_READ)
    if last and abs(from_store(last, cfg.timezone) - now) < timedelta(hours=1):
        return
    blocked = gateway.opt_outs()
    if blocked is not None:
        inbox.add_optouts(store, cfg, now, blocked, f"{gateway.name} blacklist")
        store.set_meta(_OPTOUTS_READ, to_store(now))


def _dry_run(store: Store, cfg: Config, now: datetime, text_for: TextSource | None) -> RunReport:
    """What a run would do, writing nothing: due messages are listed as planned."""
    report = RunReport(now, dry_run=True)
    ctx = planner.PlanContext.build(store, cfg, now, text_for, lazy_texts=True, actionable_only=True)
    for p in plan(store, ctx, since_last_run(store, cfg, now)).outcomes:
        if p.status == "due":
            report.messages.append(p)
        elif p.status != "planned" and not journal.is_recorded(store, p):
            report.add(p)
    return report


def _act(store: Store, out: Outbound, ctx: planner.PlanContext, todo: Plan, run_id: int) -> None:
    if todo.quiet:
        journal.close_quietly(store, todo.quiet)
    for p in todo.outcomes:
        if p.status in ("skipped", "expired") and journal.record(store, p, ctx.now, run_id):
            log.info("%s %s: %s", p.status, describe(p), p.reason)
            out.report.add(p)
        elif p.status == "due":
            out.offer(p)


def _start(store: Store, now: datetime) -> int:
    with store.tx() as conn:
        cur = conn.execute(
            "INSERT INTO runs (pid, started_at, now) VALUES (?, ?, ?)",
            (os.getpid(), to_store(datetime.now(UTC)), to_store(now)),
        )
    run_id = int(cur.lastrowid or 0)
    report_mod.current_run = run_id
    log.debug("run started for %s", now.isoformat(timespec="minutes"))
    return run_id


def _finish(store: Store, run_id: int, report: RunReport, outcome: str, error: str | None) -> None:
    with store.tx() as conn:
        conn.execute(
            f"UPDATE runs SET finished_at = ?, outcome = ?, error = ?, "
            f"{', '.join(f'{k} = ?' for k in COUNTS)} WHERE id = ?",
            (
                to_store(datetime.now(UTC)),
                outcome,
                error,
                *(getattr(report, k) for k in COUNTS),
                run_id,
            ),
        )
