"""Which reminders go out when: store snapshot + rules + now -> planned messages.

Reading is bounded by the days asked about, not by the calendar: for a send
day D only visits on the dates whose reminder can fall on D are read (see
:func:`smsremind.rules.schedule.candidate_visit_days`), through the index on
``appointments.start``.  So `run` and `preview` cost grows with the number
of messages due, not with the size of the calendar (SPEC §10).

Grouping (SPEC §2, X2/X7): visits of one practice, one phone (E.164) and one
date share one SMS naming the earliest of them, sent at the earliest send
time.  A visit whose group already had a reminder *go out* for an earlier,
still-scheduled visit is ``covered``; an earlier visit added later gets its
own reminder.  Visits with a reminder attempt for their current start are
never planned again (SPEC §2.6, §4).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from smsremind.clock import day_bounds_store, day_start, to_store
from smsremind.config import Config
from smsremind.intake.phones import Phone
from smsremind.rules import schedule, triage
from smsremind.rules.messages import (
    ATTEMPTED,
    COVERED,
    OPTED_OUT,
    SEND_DAY_PASSED,
    Composer,
    Planned,
    TextSource,
    Visit,
    aware_lenient,
    in_window,
    load_visits,
    phone_of,
    stored_between,
)
from smsremind.storage.store import Store
from smsremind.texts.templates import Texts

_WENT_OUT = ("sending", "sent", "unknown")


@dataclass
class PlanContext:
    cfg: Config
    now: datetime
    rules: schedule.Rules
    calendar: schedule.Calendar
    composer: Composer
    optouts: set[str]
    # A run renders texts only for what it sends or records: most of a day is still planned.
    lazy_texts: bool = False
    # A run acts only on due, skipped and expired outcomes: groups that can only be planned
    # are left out unread (rules.triage), so an idle tick costs what is due, not what is booked.
    actionable_only: bool = False
    # Numbers classified while planning (visit id -> (number, class)), for a run to store.
    learned_phones: dict[int, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        store: Store,
        cfg: Config,
        now: datetime,
        text_for: TextSource | None = None,
        lazy_texts: bool = False,
        actionable_only: bool = False,
    ) -> PlanContext:
        r = cfg.reminders
        rules = schedule.Rules(r.mode, r.hours_before, r.days_before, r.at, r.window, r.skip_weekends)
        calendar = schedule.Calendar(r.skip_weekends, schedule.holiday_lookup(r.holidays))
        optouts = {row[0] for row in store.conn.execute("SELECT phone FROM optouts")}
        composer = Composer(cfg, text_for or Texts(store))
        return cls(cfg, now, rules, calendar, composer, optouts, lazy_texts, actionable_only)

    @property
    def tz(self) -> tzinfo:
        return self.cfg.timezone

    def explain(self, visit: Visit, steps: bool = True) -> schedule.Reminder:
        start, booked = _wall(visit.start), _wall(visit.booked_at)
        return schedule.reminder_time(start, booked, self.rules, self.calendar, steps)


def _wall(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def _spans(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days -> contiguous [first, last] spans, for range scans on the start index."""
    spans: list[tuple[date, date]] = []
    for day in days:
        if spans and spans[-1][1] + timedelta(days=1) == day:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def _in_spans(column: str, spans: list[tuple[str, str]]) -> str:
    return " OR ".join(f"({column} >= ? AND {column} < ?)" for _ in spans)


Attempt = tuple[str, str]  # (state, recipient) of the reminder attempted for a visit's current start


def visits_on(store: Store, ctx: PlanContext, days: list[date]) -> tuple[list[Visit], dict[int, Attempt]]:
    """Scheduled visits on ``days`` and, per visit, its reminder attempt: state and recipient.

    With ``ctx.actionable_only``, only the visits of groups that can give a run
    something to do (:mod:`smsremind.rules.triage`).
    """
    if not days:
        return [], {}
    spans = [day_bounds_store(a, b, ctx.tz) for a, b in _spans(sorted(set(days)))]
    params = [x for span in spans for x in span]
    scheduled = f"status = 'scheduled' AND ({_in_spans('start', spans)})"
    if not ctx.actionable_only:
        return load_visits(store, ctx.tz, scheduled, params), _attempts(store, spans, params)
    moment = triage.Moment(ctx.now, ctx.tz, ctx.rules, ctx.calendar, ctx.cfg.country, ctx.optouts)
    with store.snapshot() as conn:  # the visits triaged are the visits then read in full
        attempted = _attempts(store, spans, params)
        rows = conn.execute(f"SELECT {triage.COLUMNS} FROM appointments WHERE {scheduled}", params)
        return _visits_by_id(store, ctx, triage.loud_ids(rows, attempted, moment)), attempted


def _visits_by_id(store: Store, ctx: PlanContext, ids: list[int]) -> list[Visit]:
    """The visits with these ids, in the order given (the planner's groups keep their order)."""
    found: dict[int, Visit] = {}
    for i in range(0, len(ids), _ID_CHUNK):
        chunk = ids[i : i + _ID_CHUNK]
        where = f"id IN ({','.join('?' * len(chunk))})"
        found.update((v.id, v) for v in load_visits(store, ctx.tz, where, chunk))
    return [found[i] for i in ids]


_ID_CHUNK = 500  # well under SQLite's limit of bound parameters


def _attempts(store: Store, spans: list[tuple[str, str]], params: list[str]) -> dict[int, Attempt]:
    where = _in_spans("a.start", spans)
    return {
        row[0]: (row[1], row[2])
        for row in store.conn.execute(
            f"SELECT a.id, m.state, m.recipient FROM appointments a "
            f"JOIN message_appointments ma ON ma.appointment = a.id AND ma.start = a.start "
            f"AND ma.kind = 'reminder' JOIN messages m ON m.id = ma.message "
            f"WHERE a.status = 'scheduled' AND ({where}) AND m.state IN "
            f"({','.join(repr(s) for s in ATTEMPTED)})",
            params,
        )
    }


def reminders_for(store: Store, ctx: PlanContext, send_days: list[date]) -> list[Planned]:
    """Reminder outcomes (planned, due, skipped, expired) whose send day is in ``send_days``."""
    wanted = set(send_days)
    visit_days = {d for s in wanted for d in schedule.candidate_visit_days(s, ctx.rules, ctx.calendar)}
    visits, attempted = visits_on(store, ctx, sorted(visit_days))
    groups: dict[tuple[str, str, date], list[Visit]] = defaultdict(list)
    for visit in visits:
        number = phone_of(visit, ctx.cfg, ctx.learned_phones).key
        groups[(visit.practice, number, visit.start.date())].append(visit)
    out: list[Planned] = []
    for members in groups.values():
        out.extend(p for p in group_outcomes(members, attempted, ctx) if p.send_at.date() in wanted)
    return out


def group_outcomes(members: list[Visit], attempted: dict[int, Attempt], ctx: PlanContext) -> list[Planned]:
    members = sorted(members, key=lambda v: (v.start, v.ext_id))
    # Only a reminder that went out to this group's number covers (a phone corrected since
    # then shares the group, but that number never got anything: issue 11).
    number = phone_of(members[0], ctx.cfg, ctx.learned_phones).key
    covering = {(state, number) for state in _WENT_OUT}
    went_out = [v for v in members if attempted.get(v.id) in covering]
    out: list[Planned] = []
    eligible: list[tuple[Visit, datetime]] = []
    for visit in members:
        if visit.id in attempted:
            continue
        r = ctx.explain(visit, steps=False)
        when = aware_lenient(r.send_at or r.planned or _wall(visit.start), ctx.tz)
        if any(w.start < visit.start for w in went_out):
            out.append(_single(visit, when, "skipped", COVERED, ctx))
        elif r.reason:
            out.append(_single(visit, when, "skipped", r.reason, ctx))
        else:
            eligible.append((visit, when))
    if eligible:
        visits = [v for v, _ in eligible]
        send_at = min(when for _, when in eligible)
        status, reason = reminder_status(visits[0], send_at, ctx)
        out.append(_message(visits, send_at, status, reason, ctx))
    return out


def reminder_status(named: Visit, send_at: datetime, ctx: PlanContext) -> tuple[str, str | None]:
    """SPEC §2 run rule: due when T <= now, now in the window, on T's date, before the visit."""
    now = ctx.now
    if send_at.date() < now.date():
        return "expired", SEND_DAY_PASSED
    if (
        send_at <= now
        and send_at.date() == now.date()
        and in_window(now, ctx.cfg.reminders.window)
        and now < named.start
    ):
        return "due", None
    return "planned", None


def _single(visit: Visit, when: datetime, status: str, reason: str, ctx: PlanContext) -> Planned:
    return _message([visit], when, status, reason, ctx)


def _message(
    visits: list[Visit], send_at: datetime, status: str, reason: str | None, ctx: PlanContext
) -> Planned:
    named = visits[0]
    phone = phone_of(named, ctx.cfg, ctx.learned_phones)
    status, reason = apply_phone_rules(phone, status, reason, ctx)
    planned = Planned("reminder", named.practice, phone, visits, send_at, status, reason)
    ctx.composer.compose(planned, named, named.start, later=ctx.lazy_texts)
    return planned


def apply_phone_rules(
    phone: Phone, status: str, reason: str | None, ctx: PlanContext
) -> tuple[str, str | None]:
    """SPEC §3: an unusable or opted-out number turns a would-be message into a skip.

    It does so also once the message's day or visit has passed: a message that could
    never go to this number stays ``skipped`` with that reason, not ``expired``.
    """
    if status == "skipped":
        return status, reason
    if phone.problem:
        return "skipped", phone.problem
    if phone.e164 in ctx.optouts:
        return "skipped", OPTED_OUT
    return status, reason


def late_bookings(store: Store, ctx: PlanContext, since: datetime) -> list[Planned]:
    """Visits booked or moved after ``since`` (and by now) whose reminder day had already passed.

    Their would-be send day lies before the booking, so no day-based plan of
    a later run looks at it; `run` uses this to report them once.  Read
    through the start index, which holds ``booked_at`` too: the visits up to
    :func:`late_horizon` are walked in the index and only those booked since
    the last run are read from the table.
    """
    visits = load_visits(
        store,
        ctx.tz,
        "start > ? AND start < ? AND booked_at > ? AND booked_at <= ? AND status = 'scheduled'",
        (to_store(since), to_store(late_horizon(ctx)), to_store(since), to_store(ctx.now)),
    )
    out = []
    for visit in visits:
        r = ctx.explain(visit, steps=False)
        if r.reason == schedule.BOOKED_TOO_LATE and r.planned is not None:
            when = aware_lenient(r.planned, ctx.tz)
            out.append(_single(visit, when, "skipped", r.reason, ctx))
    return out


def late_horizon(ctx: PlanContext) -> datetime:
    """No visit starting at or after this instant can have been booked too late by now
    (:func:`smsremind.rules.schedule.first_day_on_time`; without one, the search bound)."""
    today = ctx.now.astimezone(ctx.tz).date()
    first = schedule.first_day_on_time(today, ctx.rules, ctx.calendar)
    if first is None:
        return ctx.now + timedelta(days=ctx.rules.lead_days + schedule.SEARCH_DAYS + 1)
    return day_start(first, ctx.tz)


# --- days as a whole: what preview shows and what run acts on


def _keep_holds(fresh: list[Planned], held: list[Planned]) -> None:
    """A message the last run held (quota, gateway outage) is still held until a run sends it:
    planning alone cannot know the balance or the gateway, so the stored hold shows through."""
    holds = {(h.kind, frozenset(h.starts.items())): h.reason for h in held}
    for p in fresh:
        reason = holds.get((p.kind, frozenset(p.starts.items())))
        if reason and p.status in ("planned", "due"):
            p.status, p.reason = "held", reason


def day_plan(
    store: Store,
    ctx: PlanContext,
    day: date,
    notices: Callable[[Store, PlanContext], list[Planned]] | None = None,
) -> list[Planned]:
    """Everything for ``day``: fresh outcomes plus stored messages they do not supersede."""
    fresh = reminders_for(store, ctx, [day])
    if notices:
        fresh += [p for p in notices(store, ctx) if p.send_at.date() == day]
    covered = {(p.kind == "reminder", vid) for p in fresh for vid in p.starts}
    first, end = day_start(day, ctx.tz), day_start(day + timedelta(days=1), ctx.tz)
    everything = stored_between(store, ctx.tz, first, end)
    _keep_holds(fresh, [s for s in everything if s.status == "held"])
    stored = [
        s
        for s in everything
        if s.status in ATTEMPTED or not any((s.kind == "reminder", vid) in covered for vid in s.starts)
    ]
    return sorted(fresh + stored, key=lambda p: (p.send_at, p.practice, p.to, p.kind))
