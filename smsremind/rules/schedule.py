"""When is a reminder sent?  Pure functions of SPEC §2; they never read the clock.

Inputs are *naive local wall times* in the practice's zone: the visit start S
and the booking moment B (when the visit got its current start).  The result
is the send time T as a wall time, or a reason code, plus the trail of steps
that `smsremind explain` prints.

DST policy.  All arithmetic is wall-clock arithmetic: "24 h before Tuesday
14:00" is Monday 14:00 even when the clocks change in between (the
DobryGabinet example of SPEC §2.1), and "N days before at 09:00" is 09:00 on
that date.  Because the window clamps T to [window start, window end], T
only lands in a DST gap or fold when the window itself spans 02:00-03:00; the
planner then reads a gap time as the instant one hour later and a fold time
as its first occurrence (see :func:`smsremind.clock.aware_lenient`).

Steps, in SPEC order:
1. nominal time N (``before``: S - hours; ``fixed``: date(S) - days at ``at``);
2. clamp N's clock time into the sending window, same day;
3. move off non-sending days: Saturday/holiday -> nearest earlier sending
   day; Sunday -> the next sending day if it is still before S's date, else
   the nearest earlier one; the clock time is kept;
4. T must be on a day strictly before S's date (else ``no-send-day``);
5. T's date before B's date -> ``booked-too-late``; T earlier on B's own
   date -> due at once (at B), unless B is after the window has closed that
   day: the reminder could not go out any more, so ``booked-too-late`` too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from smsremind.i18n import N_, Later, _
from smsremind.rules import phrases

NO_SEND_DAY = "no-send-day"
BOOKED_TOO_LATE = "booked-too-late"

# How far step 3 may search for a sending day before giving up (no-send-day).
SEARCH_DAYS = 31


@dataclass(frozen=True)
class Rules:
    mode: str = "before"
    hours_before: int = 24
    days_before: int = 1
    at: time = time(9, 0)
    window: tuple[time, time] = (time(9, 0), time(20, 0))
    skip_weekends: bool = True

    @property
    def lead_days(self) -> int:
        """Whole days between the visit date and the nominal send date, at most."""
        if self.mode == "fixed":
            return self.days_before
        return -(-self.hours_before // 24)


class Calendar:
    """Which days may carry a reminder: weekends (optional) and public holidays."""

    def __init__(self, skip_weekends: bool, holiday: Callable[[date], str | None]):
        self.skip_weekends = skip_weekends
        self.holiday = holiday

    def why_not(self, day: date) -> Later | None:
        """None for a sending day; else the weekday (Saturday, Sunday) or the holiday's name."""
        if self.skip_weekends and day.weekday() >= 5:
            return phrases.weekday(day)
        name = self.holiday(day)
        return Later(N_("holiday ({name})"), name=name) if name else None

    def earlier(self, day: date) -> date | None:
        for _step_day in range(SEARCH_DAYS):
            day -= timedelta(days=1)
            if self.why_not(day) is None:
                return day
        return None

    def later(self, day: date) -> date | None:
        for _step_day in range(SEARCH_DAYS):
            day += timedelta(days=1)
            if self.why_not(day) is None:
                return day
        return None


def holiday_lookup(country: str) -> Callable[[date], str | None]:
    """A day -> holiday name function for an ISO country ("" = no holidays)."""
    if not country:
        return lambda _day: None
    import holidays

    table = holidays.country_holidays(country)
    return lambda day: table.get(day)


@dataclass(frozen=True)
class Step:
    rule: str  # nominal | window | sending-day | visit-day | booking
    message: Later

    @property
    def text(self) -> str:
        """The step in English, as `explain --json` shows it."""
        return str(self.message)

    def shown(self) -> str:
        """The step in the user's language."""
        return _(self.message)


def _step(rule: str, template: str, **args: object) -> Step:
    return Step(rule, Later(template, **args))


@dataclass(frozen=True)
class Reminder:
    """Outcome for one visit: ``send_at`` when it will (or should) go out, else a reason.

    ``planned`` is T after steps 1-4 even when a reason applies, so that a
    skipped reminder can still be shown on the day it would have gone out.
    """

    send_at: datetime | None
    planned: datetime | None
    reason: str | None
    steps: tuple[Step, ...]


def nominal(start: datetime, rules: Rules) -> tuple[datetime, Step]:
    if rules.mode == "fixed":
        n = datetime.combine(start.date() - timedelta(days=rules.days_before), rules.at)
        text = N_("{days} day(s) before at {at} -> {nominal}")
        at, nominal = f"{rules.at:%H:%M}", phrases.moment(n)
        return n, _step("nominal", text, days=rules.days_before, at=at, nominal=nominal)
    n = start - timedelta(hours=rules.hours_before)
    text = N_("{hours} h before {start} (wall clock) -> {nominal}")
    start_at, nominal = phrases.moment(start), phrases.moment(n)
    return n, _step("nominal", text, hours=rules.hours_before, start=start_at, nominal=nominal)


def clamp_to_window(moment: datetime, window: tuple[time, time]) -> tuple[datetime, Step]:
    opens, closes = window
    span = f"{opens:%H:%M}-{closes:%H:%M}"
    if moment.time() < opens:
        moved = datetime.combine(moment.date(), opens)
        text = N_("before the window {span} -> {moved}")
        return moved, _step("window", text, span=span, moved=phrases.moment(moved))
    if moment.time() > closes:
        moved = datetime.combine(moment.date(), closes)
        text = N_("after the window {span} -> {moved}")
        return moved, _step("window", text, span=span, moved=phrases.moment(moved))
    return moment, _step("window", N_("inside the window {span}"), span=span)


def move_to_sending_day(moment: datetime, visit_day: date, cal: Calendar) -> tuple[datetime | None, Step]:
    day = moment.date()
    why = cal.why_not(day)
    if why is None:
        text = N_("{weekday} is a sending day")
        return moment, _step("sending-day", text, weekday=phrases.weekday(day))
    if cal.skip_weekends and day.weekday() == 6:
        nxt = cal.later(day)
        if nxt is not None and nxt < visit_day:
            text = N_("Sunday -> next sending day {day}")
            return _on(moment, nxt), _step("sending-day", text, day=phrases.day(nxt))
        target, how = cal.earlier(day), Later(N_("the next sending day is not before the visit day"))
    else:
        target, how = cal.earlier(day), Later(N_("{why} is not a sending day"), why=why)
    if target is None:
        return None, _step("sending-day", N_("{how}; no sending day found"), how=how)
    text = N_("{how} -> {day}")
    return _on(moment, target), _step("sending-day", text, how=how, day=phrases.day(target))


def _on(moment: datetime, day: date) -> datetime:
    return datetime.combine(day, moment.time())


@lru_cache(maxsize=4096)
def _sending_time(start: datetime, rules: Rules, cal: Calendar) -> tuple[datetime | None, tuple[Step, ...]]:
    """Steps 1-3, which depend on the visit's start only: a day's visits share a few dozen slots."""
    n, step1 = nominal(start, rules)
    t, step2 = clamp_to_window(n, rules.window)
    moved, step3 = move_to_sending_day(t, start.date(), cal)
    return moved, (step1, step2, step3)


def send_time_if_booked_by(start: datetime, rules: Rules, cal: Calendar) -> datetime | None:
    """T for a visit at wall time ``start``, for any booking at or before T.

    :func:`reminder_time` then returns ``Reminder(T, T, None)`` whatever the
    booking moment was, so a run can tell from the start alone (and one
    comparison with the booking) that such a visit's reminder is not due before
    T.  None when the visit has no send day at all.
    """
    moved, _steps = _sending_time(start, rules, cal)  # (`_` is gettext here)
    if moved is None or moved.date() >= start.date():
        return None
    return moved


def reminder_time(
    start: datetime, booked: datetime, rules: Rules, cal: Calendar, explain: bool = True
) -> Reminder:
    """The reminder for a visit at wall time ``start`` booked at wall time ``booked``.

    ``explain`` false leaves the last steps' texts out: planning a day needs only the outcome.
    """
    moved, first = _sending_time(start, rules, cal)
    steps = list(first)

    def step(rule: str, template: str, **args: object) -> None:
        if explain:
            steps.append(_step(rule, template, **args))

    if moved is None or moved.date() >= start.date():
        step("visit-day", N_("no sending day before the visit on {visit}"), visit=start.date())
        return Reminder(None, moved, NO_SEND_DAY, tuple(steps))
    step("visit-day", N_("{day} is before the visit day {visit}"), day=moved.date(), visit=start.date())
    was = phrases.moment(booked) if explain else None  # the English is made eagerly: only when asked
    if moved.date() < booked.date():
        step("booking", N_("booked {booked}: the reminder day had already passed"), booked=was)
        return Reminder(None, moved, BOOKED_TOO_LATE, tuple(steps))
    if moved < booked and booked.time() > rules.window[1]:
        step("booking", N_("booked {booked}, after the window closed that day"), booked=was)
        return Reminder(None, moved, BOOKED_TOO_LATE, tuple(steps))
    if moved < booked:
        step("booking", N_("booked {booked}, after {time}: due at once"), booked=was, time=f"{moved:%H:%M}")
        return Reminder(booked, moved, None, tuple(steps))
    step("booking", N_("booked {booked}, before the send time"), booked=was)
    return Reminder(moved, moved, None, tuple(steps))


def first_day_on_time(today: date, rules: Rules, cal: Calendar) -> date | None:
    """The first visit date whose reminder no booking made by the end of ``today`` can miss
    (None: no sending day within the search bound after today, so no such date is known).

    Let X be the first sending day after today.  A visit on date D has its
    nominal send date on or after D - lead_days, and step 3 moves it to a
    sending day no earlier than the last one on or before it (or finds none:
    no reminder at all).  From D = X + lead_days on, that day is X or later,
    after every booking made by today: the reminder is on time.  So only the
    visits of the next two or three days (on a weekday) can be booked too
    late, not those of the five weeks the search bound alone would allow.
    """
    first_sending = cal.later(today)
    return None if first_sending is None else first_sending + timedelta(days=rules.lead_days)


def candidate_visit_days(send_day: date, rules: Rules, cal: Calendar) -> list[date]:
    """Visit dates whose reminder can fall on ``send_day`` (ignoring bookings).

    Lets the planner read only those days from the calendar, so planning
    cost follows the number of due messages, not the size of the calendar.
    Step 1 puts N on one of at most two dates per visit date (the hour
    arithmetic may cross midnight); step 3 is a function of N's date and
    the visit date only, so the check per visit date is exact.
    """
    lead = rules.lead_days
    days = []
    for offset in range(1, min(lead + SEARCH_DAYS + 2, (date.max - send_day).days + 1)):  # 9999-12-31
        visit = send_day + timedelta(days=offset)
        if send_day in _possible_send_days(visit, rules, cal):
            days.append(visit)
    return days


def _possible_send_days(visit: date, rules: Rules, cal: Calendar) -> set[date]:
    if rules.mode == "fixed":
        leads = {rules.days_before}
    else:
        leads = {rules.hours_before // 24, -(-rules.hours_before // 24)}
    found = set()
    for lead in leads:
        n = datetime.combine(visit - timedelta(days=lead), rules.window[0])
        moved, _ = move_to_sending_day(n, visit, cal)
        if moved is not None and moved.date() < visit:
            found.add(moved.date())
    return found
