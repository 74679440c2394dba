"""Invariants checked over generated inputs (hypothesis)."""

from __future__ import annotations

import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsremind import clock
from smsremind.intake import importer, sync
from smsremind.intake.phones import classify
from smsremind.rules import schedule
from smsremind.storage.store import Store

HOLIDAYS = {c: schedule.holiday_lookup(c) for c in ("", "PL", "CZ")}


@st.composite
def rules(draw: st.DrawFn) -> tuple[schedule.Rules, str]:
    opens = draw(st.integers(0, 22 * 60))
    closes = draw(st.integers(opens + 1, 23 * 60 + 59))
    r = schedule.Rules(
        mode=draw(st.sampled_from(["before", "fixed"])),
        hours_before=draw(st.integers(24, 168)),
        days_before=draw(st.integers(1, 7)),
        at=time(*divmod(draw(st.integers(0, 23 * 60 + 59)), 60)),
        window=(time(*divmod(opens, 60)), time(*divmod(closes, 60))),
        skip_weekends=draw(st.booleans()),
    )
    return r, draw(st.sampled_from(sorted(HOLIDAYS)))


moments = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


@settings(max_examples=400, deadline=None)
@given(rules(), moments, st.integers(0, 60 * 24 * 30))
def test_reminder_is_in_window_on_a_sending_day_before_the_visit_and_after_booking(
    rc: tuple[schedule.Rules, str], start: datetime, minutes_before: int
) -> None:
    r, country = rc
    booked = start - timedelta(minutes=minutes_before)
    cal = schedule.Calendar(r.skip_weekends, HOLIDAYS[country])
    result = schedule.reminder_time(start, booked, r, cal)
    if result.send_at is None:
        assert result.reason in (schedule.BOOKED_TOO_LATE, schedule.NO_SEND_DAY)
        return
    t = result.send_at
    assert r.window[0] <= t.time() <= r.window[1]
    assert cal.why_not(t.date()) is None
    assert t.date() < start.date()
    assert t >= booked and t.date() >= booked.date()


@settings(max_examples=400, deadline=None)
@given(rules(), moments, st.integers(0, 60 * 24 * 60))
def test_a_booking_by_the_send_time_never_changes_the_reminder(
    rc: tuple[schedule.Rules, str], start: datetime, minutes_before: int
) -> None:
    """What lets a run leave a visit unplanned until its send time (rules.triage)."""
    r, country = rc
    cal = schedule.Calendar(r.skip_weekends, HOLIDAYS[country])
    t = schedule.send_time_if_booked_by(start, r, cal)
    booked = start - timedelta(minutes=minutes_before)
    result = schedule.reminder_time(start, booked, r, cal, explain=False)
    if t is None:
        assert (result.send_at, result.reason) == (None, schedule.NO_SEND_DAY)
    elif booked <= t:
        assert (result.send_at, result.planned, result.reason) == (t, t, None)
    else:
        assert result.planned == t and (result.send_at is None or result.send_at == booked)


@settings(max_examples=600, deadline=None)
@given(rules(), moments, st.integers(0, 60 * 24 * 40), st.integers(0, 60 * 24 * 14))
def test_no_visit_from_the_first_day_on_time_is_booked_too_late(
    rc: tuple[schedule.Rules, str], today_at: datetime, minutes_before: int, minutes_after: int
) -> None:
    """What lets a run look for late bookings among the next few days' visits only
    (planner.late_bookings): a visit on or after that day, booked by the end of today, is
    never ``booked-too-late``."""
    r, country = rc
    cal = schedule.Calendar(r.skip_weekends, HOLIDAYS[country])
    today = today_at.date()
    first = schedule.first_day_on_time(today, r, cal)
    if first is None:
        return
    end_of_today = datetime.combine(today, time(23, 59))
    booked = end_of_today - timedelta(minutes=minutes_before)
    start = datetime.combine(first, time(0, 0)) + timedelta(minutes=minutes_after)
    result = schedule.reminder_time(start, booked, r, cal, explain=False)
    assert result.reason != schedule.BOOKED_TOO_LATE


@settings(max_examples=200)
@given(st.from_regex(r"\+?[0-9 ()\-]{3,16}", fullmatch=True), st.sampled_from(["PL", "CZ"]))
def test_phone_normalisation_is_idempotent(raw: str, region: str) -> None:
    first = classify(raw, region)
    if first.e164:
        again = classify(first.e164, region)
        assert (again.e164, again.problem) == (first.e164, first.problem)


cell = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
row = st.tuples(
    st.text("0123456789AB", min_size=1, max_size=4),
    st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)).map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
    st.sampled_from(["601234567", "22 628 45 12", "123", "+420603123456"]),
    cell,
    st.sampled_from(["Gabinet Uśmiech", "Przychodnia"]),
    st.sampled_from(["", "scheduled", "cancelled"]),
)


def _dump(store: Store) -> list[tuple]:
    return [
        (t, *r) for t in store.db.table_names() for r in store.conn.execute(f"SELECT * FROM {t} ORDER BY 1")
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, max_size=25))
def test_importing_the_same_file_twice_changes_nothing(rows: list[tuple]) -> None:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows([("id", "start", "phone", "patient", "practice", "status"), *rows])
    tz = clock.zone("Europe/Warsaw")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        store = Store(Path(tmp) / "db.sqlite", create=True)

        def load(now: str) -> None:
            prepared = importer.prepare(importer.Spec(path, {}, tz.key))
            sync.import_rows(store, prepared, clock.parse_now(now, tz))

        load("2026-06-01 10:00")
        first = _dump(store)
        load("2026-06-02 11:00")
        assert _dump(store) == first
        store.close()
