"""Reminder outcomes that must follow the number, not the group (issue 11, items 7, 9)."""

from __future__ import annotations

from tests.conftest import Cli, csv_file

HEAD = "id,start,phone,patient,practice\n"


def load(app: Cli, rows: str, now: str) -> dict:
    return app.json("import", str(csv_file(app.folder, HEAD + rows)), now=now)


def reminders(doc: list | dict) -> list[tuple]:
    messages = doc["messages"] if isinstance(doc, dict) else doc
    return [
        (m["to"], m["appointments"], m["status"], m["reason"]) for m in messages if m["kind"] == "reminder"
    ]


FIRST = "1,2026-11-10 10:00,+48601111111,A,P\n"


def test_a_reminder_to_another_number_covers_nothing(app: Cli) -> None:
    load(app, FIRST, "2026-11-02 10:00")
    assert reminders(app.json("run", now="2026-11-09 10:00")) == [("+48601111111", ["1"], "sent", None)]
    # The phone of visit 1 is corrected, and visit 2 is booked later that day on the corrected number.
    load(
        app, "1,2026-11-10 10:00,+48602222222,A,P\n2,2026-11-10 14:00,+48602222222,A,P\n", "2026-11-09 11:00"
    )
    assert reminders(app.json("preview", "--date", "2026-11-09", now="2026-11-09 11:00")) == [
        ("+48601111111", ["1"], "sent", None),
        ("+48602222222", ["2"], "planned", None),
    ]
    assert reminders(app.json("run", now="2026-11-09 14:00")) == [("+48602222222", ["2"], "sent", None)]
    assert [(m["to"], m["appointments"]) for m in app.outbox()] == [
        ("+48601111111", ["1"]),
        ("+48602222222", ["2"]),
    ]


def test_a_reminder_to_the_same_number_still_covers(app: Cli) -> None:
    load(app, FIRST, "2026-11-02 10:00")
    app.json("run", now="2026-11-09 10:00")
    load(app, FIRST + "2,2026-11-10 14:00,+48601111111,A,P\n", "2026-11-09 11:00")
    assert reminders(app.json("run", now="2026-11-09 14:00")) == [
        ("+48601111111", ["2"], "skipped", "covered")
    ]
    assert len(app.outbox()) == 1


LANDLINE = "1,2026-11-10 10:00,22 628 45 12,A,P\n"


def test_a_reminder_skipped_for_its_number_stays_skipped_after_its_day(app: Cli) -> None:
    load(app, LANDLINE, "2026-11-02 10:00")
    assert reminders(app.json("run", now="2026-11-09 10:00")) == [
        ("+48226284512", ["1"], "skipped", "landline")
    ]
    for now in ("2026-11-09 10:05", "2026-11-10 08:00", "2026-11-12 12:00"):
        shown = reminders(app.json("preview", "--date", "2026-11-09", now=now))
        assert shown == [("+48226284512", ["1"], "skipped", "landline")], now
    # The next day's run neither reports it again nor turns the stored outcome into an expiry.
    assert reminders(app.json("run", now="2026-11-10 09:00")) == []
    assert app.json("status", now="2026-11-10 09:05")["attention"] == []


def test_a_number_skip_without_any_run_shows_as_skipped(app: Cli) -> None:
    load(
        app,
        LANDLINE + "2,2026-11-10 11:00,+48 800 123 456,B,P\n3,2026-11-10 12:00,12345,C,P\n",
        "2026-11-02 10:00",
    )
    shown = reminders(app.json("preview", "--date", "2026-11-09", now="2026-11-11 08:00"))
    assert sorted((m[1][0], m[2], m[3]) for m in shown) == [
        ("1", "skipped", "landline"),
        ("2", "skipped", "not-mobile"),
        ("3", "skipped", "invalid-number"),
    ]


def test_a_missed_reminder_to_a_mobile_still_expires(app: Cli) -> None:
    load(app, FIRST, "2026-11-02 10:00")
    shown = reminders(app.json("preview", "--date", "2026-11-09", now="2026-11-10 08:00"))
    assert shown == [("+48601111111", ["1"], "expired", "send-day-passed")]
