"""A run plans only the groups that can give it something to do (issue 14, rules.triage).

The differential test drives a real installation through four days of cron ticks with
every kind of outcome (sent, grouped, covered, landline, invalid number, opted out,
booked too late, due at once after a late booking, a move, an unclassified number, a
holiday) and checks at every tick that a run's plan - what it sends, records and
stores - is exactly what the full plan gives, minus what is merely "planned".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from smsremind import config
from smsremind.clock import parse_now
from smsremind.rules import planner, schedule
from smsremind.sending import gateways, runner
from smsremind.storage.store import Store
from tests.conftest import Cli, csv_file

HEAD = "id,start,phone,patient,practice,booked_at\n"
# Monday 2026-11-30 .. Monday 2026-12-07; 24 h reminders (or 2 days before at 18:00).
ROWS = (
    "1,2026-12-01 10:00,601234567,A,P,2026-11-01 10:00\n"
    "2,2026-12-01 11:00,221234567,B,P,2026-11-01 10:00\n"  # landline
    "3,2026-12-01 11:30,12,C,P,2026-11-01 10:00\n"  # invalid number
    "4,2026-12-01 12:00,601000004,D,P,2026-11-01 10:00\n"  # opted out
    "5,2026-12-01 13:00,601000005,E,P,2026-11-01 10:00\n"  # a family: one SMS for 5 and 6
    "6,2026-12-01 13:30,601000005,F,P,2026-11-01 10:00\n"
    "7,2026-12-01 15:00,601000007,G,P,2026-12-01 08:00\n"  # booked on the day: too late
    "8,2026-12-02 09:30,601000008,H,P,2026-12-01 11:00\n"  # booked after its send time: due at once
    "9,2026-12-02 10:00,601000009,I,P,2026-12-01 20:30\n"  # booked after the window closed
    "10,2026-12-02 14:00,601000010,J,P,2026-11-02 10:00\n"  # sent; 11 is added later, 12 covered
    "13,2026-12-03 09:00,601000013,K,P,2026-11-03 10:00\n"
    "14,2026-12-03 17:00,601000014,L,Q,2026-11-03 10:00\n"
    "15,2026-12-03 19:30,601000015,M,Q,2026-11-03 10:00\n"
    "16,2026-12-07 10:00,601000016,N,Q,2026-11-03 10:00\n"  # Monday: sent on Friday
    "17,2026-12-01 16:00,601000017,O,Q,2026-12-02 10:00\n"  # booked "after" its visit: a data error
)
LATER = (  # imported on Tuesday at 15:00, after visit 10's reminder went out
    "11,2026-12-02 13:00,601000010,J,P,2026-12-01 15:00\n"  # earlier, same number: its own reminder
    "12,2026-12-02 16:00,601000010,J,P,2026-12-01 15:00\n"  # later, same number: covered
    "18,2026-12-03 18:00,601234567,Z,Q,2026-12-01 15:00\n"  # a new visit, its number unclassified
)
MOVED = ROWS.replace("13,2026-12-03 09:00", "13,2026-12-03 11:00")  # booked again at the import
SKIPS = {"landline", "invalid-number", "opted-out", "booked-too-late"}
CONFIGS = {  # name: (config, reasons the scenario must meet)
    "24 h before": ("", SKIPS | {"covered"}),
    "2 days before at 18:00": ('[reminders]\nmode = "fixed"\ndays_before = 2\nat = "18:00"\n', SKIPS),
}


def outcome(p: Any) -> tuple[Any, ...]:
    p.composed()
    return (
        p.kind,
        p.status,
        p.reason,
        p.to,
        p.practice,
        sorted(p.starts.items()),
        p.send_at,
        p.text,
        p.parts,
        p.sender,
        p.appointment_ids,
    )


def plans(store: Store, cfg: config.Config, now: datetime) -> tuple[list[Any], list[Any], int]:
    """(the full plan's outcomes a run acts on, the run's own plan, how many it left out)."""
    since = runner.since_last_run(store, cfg, now)
    full = planner.PlanContext.build(store, cfg, now, lazy_texts=True)
    lazy = planner.PlanContext.build(store, cfg, now, lazy_texts=True, actionable_only=True)
    everything, acted = runner.plan(store, full, since), runner.plan(store, lazy, since)
    assert [v.id for v in everything.quiet] == [v.id for v in acted.quiet]
    assert full.learned_phones == lazy.learned_phones  # the same numbers' classes get stored
    wanted = [outcome(p) for p in everything.outcomes if p.status != "planned"]
    got = [outcome(p) for p in acted.outcomes if p.status != "planned"]  # a loud group may be planned
    return wanted, got, len(everything.outcomes) - len(acted.outcomes)


@pytest.mark.parametrize("rules", sorted(CONFIGS))
def test_a_run_plans_what_the_full_plan_acts_on_at_every_tick(make_app: Any, rules: str) -> None:
    extra, expected = CONFIGS[rules]
    app: Cli = make_app(extra)
    app("import", str(csv_file(app.folder, HEAD + ROWS)), now="2026-11-20 10:00")
    app("optout", "add", "601000004", now="2026-11-20 10:00")
    cfg = config.load(app.folder / "smsremind.toml")
    store, gateway = Store(cfg.database), gateways.make(cfg)
    reasons, dropped, acted_on = set(), 0, 0
    try:
        now, later = parse_now("2026-11-27 07:05", cfg.timezone), parse_now("2026-12-01 15:00", cfg.timezone)
        later_rows = [HEAD + MOVED + LATER]
        while now < parse_now("2026-12-04 21:00", cfg.timezone):
            if now >= later and later_rows:
                app("import", str(csv_file(app.folder, later_rows.pop())), now="2026-12-01 15:00")
            wanted, acted, left_out = plans(store, cfg, now)
            assert acted == wanted, now
            reasons |= {o[2] for o in acted}
            acted_on, dropped = acted_on + len(acted), dropped + left_out
            runner.run(store, cfg, gateway, now)  # moves the installation on: sends, records, classes
            now += timedelta(minutes=25)
    finally:
        gateway.close()
        store.close()
    assert acted_on and dropped  # the scenario had work to do and plans to leave out
    sent = {tuple(m["appointments"]) for m in app.outbox()}
    assert {("1",), ("5", "6"), ("10",), ("13",), ("14",), ("16",), ("18",)} <= sent
    assert expected <= reasons


def test_the_idle_tick_plans_no_visit_of_tomorrow_yet_sends_each_when_due(
    app: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "id,start,phone,patient,practice\n" + "".join(
        f"{i},2026-12-01 {9 + i // 4:02d}:{15 * (i % 4):02d},60100{i:04d},P{i},P\n" for i in range(40)
    )
    app("import", str(csv_file(app.folder, rows)), now="2026-11-20 10:00")
    app("run", now="2026-11-30 07:50")  # the morning's first tick stores the numbers' classes
    explained: list[datetime] = []
    real = schedule.reminder_time

    def counting(start: datetime, *args: Any, **kw: Any) -> schedule.Reminder:
        explained.append(start)
        return real(start, *args, **kw)

    monkeypatch.setattr(schedule, "reminder_time", counting)
    report = app.json("run", now="2026-11-30 07:55")
    assert (report["sent"], report["skipped"], explained) == (0, 0, [])
    report = app.json("run", now="2026-11-30 09:50")  # 24 h before 09:00-09:45: four are due
    assert report["sent"] == 4 and len(explained) == 4  # and only those four were planned
    for now in ("2026-11-30 12:00", "2026-11-30 18:45", "2026-11-30 19:00"):
        app("run", now=now)
    outbox = app.outbox()
    assert [m["appointments"] for m in outbox] == [[str(i)] for i in range(40)]
    assert all(m["text"] for m in outbox)
    explained.clear()
    assert app.json("run", now="2026-11-30 19:05")["sent"] == 0 and explained == []  # all attempted
