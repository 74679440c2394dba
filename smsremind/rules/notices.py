"""Notices on booking, move and cancellation (SPEC §5): pure decisions + planning.

Import records, per appointment, its current (status, start) and leaves the
patient's last known state ("told") alone; a notice is decided whenever the
two differ (once per state, see below).  Comparing only the latest state with what the patient was told
gives SPEC §5's "only the latest state counts" for free: two moves give one
reschedule with the final time; booked-then-cancelled gives nothing.

``told_status`` NULL means a booking made after the baseline that nobody
confirmed yet; ``told_start`` then holds the start it was booked at, which
is what the patient knows when confirmations are off.

``told`` changes only when a notice goes out (or an import says the patient
knows: a baseline, ``--no-notify``), in the same transaction that claims the
message, so a notice is decided exactly once even with overlapping runs.  A
change decided without telling the patient - no notice wanted, or one that
could not go out (skipped for its number, or the visit passed first) - leaves
``told`` alone and records in ``settled_*`` the state and phone it was
decided for.  So what the patient is told never depends on whether a run
happened to come between two imports: every decision starts from what the
patient really knows (issue 11).
"""

from __future__ import annotations

from datetime import datetime

from smsremind.clock import from_store
from smsremind.config import Notify
from smsremind.rules.messages import (
    APPOINTMENT_PASSED,
    Planned,
    Visit,
    in_window,
    load_visits,
    next_window_opening,
    phone_of,
)
from smsremind.rules.planner import PlanContext, apply_phone_rules
from smsremind.storage.store import Store

UNTOLD = (  # the exact terms of the partial index appointments_untold, so that it is used
    "(told_status IS NOT status OR told_start IS NOT start) AND (settled_status IS NOT status "
    "OR settled_start IS NOT start OR settled_phone IS NOT phone)"
)


def decide(
    told_status: str | None, told_start: str | None, status: str, start: str, notify: Notify
) -> tuple[str, str] | None:
    """(kind, start the text names) of the notice owed, or None when nothing is owed."""
    if told_status is None:
        if notify.confirmation:
            # Booked and cancelled before the confirmation went out: neither is sent (SPEC §5).
            return None if status == "cancelled" else ("confirmation", start)
        told_status = "scheduled"  # no confirmation owed: the patient knows the booking they made
    if told_status == "scheduled":
        if status == "cancelled":
            # Names the visit as it last stood: after an unannounced move the patient must not
            # be told that a date nobody holds any more is cancelled (issue 11).
            return ("cancellation", start) if notify.cancellation else None
        if start != told_start:
            return ("reschedule", start) if notify.reschedule else None
        return None
    if status == "scheduled":  # restored after the patient was told it was cancelled
        if notify.confirmation:
            return "confirmation", start
        return ("reschedule", start) if notify.reschedule else None
    return None


def snapshot(visit: Visit) -> tuple[str | None, str | None, str, str]:
    """The four values a claim compares to be sure nothing changed since planning."""
    return visit.told_status, visit.told_start_key, visit.status, visit.start_key


def untold(store: Store, ctx: PlanContext) -> list[Visit]:
    return load_visits(store, ctx.tz, f"{UNTOLD} ORDER BY changed_at, id")


def notice_outcomes(store: Store, ctx: PlanContext) -> tuple[list[Planned], list[Visit]]:
    """(notices to send or record, visits whose change needs no notice)."""
    out, quiet = [], []
    for visit in untold(store, ctx):
        decision = decide(
            visit.told_status, visit.told_start_key, visit.status, visit.start_key, ctx.cfg.notify
        )
        if decision is None:
            quiet.append(visit)
            continue
        out.append(plan_notice(visit, *decision, ctx))
    return out, quiet


def plan_notice(visit: Visit, kind: str, about_key: str, ctx: PlanContext) -> Planned:
    about = from_store(about_key, ctx.tz)
    window = ctx.cfg.reminders.window
    send_at = next_window_opening(visit.changed_at, window, ctx.tz)
    if send_at < ctx.now and not in_window(ctx.now, window):
        send_at = next_window_opening(ctx.now, window, ctx.tz)
    status, reason = notice_status(send_at, about, ctx)
    phone = phone_of(visit, ctx.cfg, ctx.learned_phones)
    status, reason = apply_phone_rules(phone, status, reason, ctx)
    planned = Planned(
        kind, visit.practice, phone, [visit], send_at, status, reason, starts={visit.id: about_key}
    )
    ctx.composer.compose(planned, visit, about, later=ctx.lazy_texts)
    return planned


def notice_status(send_at: datetime, about: datetime, ctx: PlanContext) -> tuple[str, str | None]:
    """Held for the window (not the weekend rule); dropped once the visit has passed."""
    if about <= max(ctx.now, send_at):
        return "expired", APPOINTMENT_PASSED
    if send_at <= ctx.now and in_window(ctx.now, ctx.cfg.reminders.window):
        return "due", None
    return "planned", None


def notices_planned(store: Store, ctx: PlanContext) -> list[Planned]:
    return notice_outcomes(store, ctx)[0]
