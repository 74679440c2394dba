"""Notices on booking, move and cancellation (SPEC §5)."""

from __future__ import annotations

import pytest

from smsremind.config import Notify
from smsremind.rules.notices import decide
from tests.conftest import Cli, csv_file

ALL = Notify(confirmation=True, reschedule=True, cancellation=True)
NONE = Notify()
A, B = "2026-12-01T09:00:00Z", "2026-12-02T09:00:00Z"


@pytest.mark.parametrize(
    ("told", "now", "notify", "expected"),
    [
        ((None, A), ("scheduled", A), ALL, ("confirmation", A)),
        ((None, A), ("scheduled", B), ALL, ("confirmation", B)),  # moved before confirming: final time
        ((None, A), ("cancelled", A), ALL, None),  # booked then cancelled: say nothing
        ((None, A), ("scheduled", A), NONE, None),
        ((None, A), ("scheduled", B), Notify(reschedule=True), ("reschedule", B)),  # knows A from booking
        ((None, A), ("cancelled", A), Notify(cancellation=True), ("cancellation", A)),
        (("scheduled", A), ("scheduled", B), ALL, ("reschedule", B)),
        (("scheduled", A), ("scheduled", A), ALL, None),  # moved away and back: nothing
        (("scheduled", A), ("cancelled", B), ALL, ("cancellation", B)),  # the visit as it last stood
        (("scheduled", A), ("cancelled", A), Notify(reschedule=True), None),
        (("cancelled", A), ("scheduled", A), ALL, ("confirmation", A)),  # re-booked after being told
        (("cancelled", A), ("scheduled", B), Notify(reschedule=True), ("reschedule", B)),
        (("cancelled", A), ("cancelled", B), ALL, None),
    ],
    ids=[
        "new",
        "new-moved",
        "new-cancelled",
        "new-confirmations-off",
        "new-moved-confirmations-off",
        "new-cancelled-confirmations-off",
        "moved",
        "moved-back",
        "cancelled",
        "cancellations-off",
        "restored-after-cancel-notice",
        "restored-elsewhere",
        "still-cancelled",
    ],
)
def test_decide(told: tuple, now: tuple, notify: Notify, expected: tuple | None) -> None:
    assert decide(told[0], told[1], now[0], now[1], notify) == expected


ON = "[notify]\nconfirmation = true\nreschedule = true\ncancellation = true\n"
HEAD = "id,start,phone,patient,practice,status\n"


@pytest.fixture
def on(make_app) -> Cli:
    return make_app(ON)


def load(app: Cli, rows: str, now: str, *extra: str) -> dict:
    return app.json("import", str(csv_file(app.folder, HEAD + rows)), *extra, now=now)


def notices(doc: dict) -> list[tuple]:
    return [
        (m["kind"], m["appointments"], m["status"], m["reason"])
        for m in doc["messages"]
        if m["kind"] != "reminder"
    ]


BASE = "1,2026-12-10 10:00,601234501,A,P,\n2,2026-12-10 11:00,601234502,B,P,\n"


def test_baseline_import_sends_no_notices(on: Cli) -> None:
    assert load(on, BASE, "2026-11-20 10:00")["baseline"] == ["P"]
    assert notices(on.json("run", now="2026-11-20 10:05")) == []


def test_new_booking_is_confirmed_at_the_next_run(on: Cli) -> None:
    load(on, BASE, "2026-11-20 10:00")
    load(on, BASE + "3,2026-12-11 12:15,601234503,C,P,\n", "2026-11-20 11:00")
    assert notices(on.json("run", now="2026-11-20 11:05")) == [("confirmation", ["3"], "sent", None)]
    assert on.outbox()[0]["text"] == "P potwierdza wizytę: piątek, 11.12.2026, godz. 12:15."
    assert notices(on.json("run", now="2026-11-20 11:10")) == []


def test_two_moves_before_the_run_give_one_reschedule_with_the_final_time(on: Cli) -> None:
    load(on, BASE, "2026-11-20 10:00")
    load(on, BASE.replace("2026-12-10 10:00", "2026-12-11 10:00"), "2026-11-20 11:00")
    load(on, BASE.replace("2026-12-10 10:00", "2026-12-14 16:45"), "2026-11-20 12:00")
    assert notices(on.json("run", now="2026-11-20 12:05")) == [("reschedule", ["1"], "sent", None)]
    assert on.outbox()[0]["text"].endswith("Nowy termin: poniedziałek, 14.12.2026, godz. 16:45.")


def test_booked_then_cancelled_before_the_run_sends_nothing(on: Cli) -> None:
    load(on, BASE, "2026-11-20 10:00")
    load(on, BASE + "3,2026-12-11 12:00,601234503,C,P,\n", "2026-11-20 11:00")
    load(on, BASE + "3,2026-12-11 12:00,601234503,C,P,cancelled\n", "2026-11-20 11:30")
    assert notices(on.json("run", now="2026-11-20 12:00")) == []
    assert on.outbox() == []


def test_cancelled_then_restored_is_nothing_or_a_reschedule(on: Cli) -> None:
    load(on, BASE, "2026-11-20 10:00")
    load(on, BASE.replace("A,P,", "A,P,cancelled"), "2026-11-20 11:00")
    load(on, BASE, "2026-11-20 11:30")  # restored at the same time
    assert notices(on.json("run", now="2026-11-20 12:00")) == []
    load(on, BASE.replace("B,P,", "B,P,cancelled"), "2026-11-20 13:00")
    load(on, BASE.replace("2026-12-10 11:00", "2026-12-12 09:30"), "2026-11-20 13:30")
    assert notices(on.json("run", now="2026-11-20 14:00")) == [("reschedule", ["2"], "sent", None)]


def test_night_import_waits_for_the_window_but_not_for_weekdays(on: Cli) -> None:
    load(on, BASE, "2026-11-20 10:00")
    load(on, BASE + "3,2026-12-11 12:00,601234503,C,P,\n", "2026-11-27 22:00")  # Friday night
    assert notices(on.json("run", now="2026-11-27 22:05")) == []
    preview = on.json("preview", "--date", "2026-11-28", now="2026-11-27 22:05")
    assert [(m["kind"], m["send_at"], m["status"]) for m in preview] == [
        ("confirmation", "2026-11-28 09:00", "planned")
    ]
    assert notices(on.json("run", now="2026-11-28 08:55")) == []
    assert notices(on.json("run", now="2026-11-28 09:00")) == [("confirmation", ["3"], "sent", None)]


def test_notice_is_dropped_when_the_visit_passes_first(on: Cli) -> None:
    load(on, BASE, "2026-11-20 10:00")
    load(on, BASE.replace("2026-12-10 10:00", "2026-11-28 07:30"), "2026-11-27 22:00")
    doc = on.json("run", now="2026-11-27 22:05")
    assert notices(doc) == [("reschedule", ["1"], "expired", "appointment-passed")]
    assert notices(on.json("run", now="2026-11-28 09:00")) == []


def test_full_import_cancels_missing_future_visits_and_notifies(on: Cli) -> None:
    past = "0,2026-11-19 10:00,601234500,Z,P,\n"
    load(on, past + BASE, "2026-11-18 10:00")
    report = load(on, BASE.split("\n")[0] + "\n", "2026-11-20 10:00", "--full")
    assert report["removed"] == 1  # visit 2; visit 0 is in the past and untouched
    assert notices(on.json("run", now="2026-11-20 10:05")) == [("cancellation", ["2"], "sent", None)]
    assert on.outbox()[0]["text"] == "P: odwołano wizytę (czwartek, 10.12.2026, godz. 11:00)."


def test_same_import_twice_queues_nothing(on: Cli) -> None:
    load(on, BASE, "2026-11-20 10:00")
    rows = BASE + "3,2026-12-11 12:00,601234503,C,P,\n"
    load(on, rows, "2026-11-20 11:00")
    on.json("run", now="2026-11-20 11:05")
    again = load(on, rows, "2026-11-20 12:00")
    assert (again["new"], again["moved"], again["unchanged"]) == (0, 0, 3)
    assert notices(on.json("run", now="2026-11-20 12:05")) == []


def test_no_notify_import_records_without_notices(on: Cli) -> None:
    load(on, BASE, "2026-11-20 10:00")
    load(
        on,
        BASE.replace("2026-12-10 10:00", "2026-12-11 10:00") + "3,2026-12-11 12:00,601234503,C,P,\n",
        "2026-11-20 11:00",
        "--no-notify",
    )
    assert notices(on.json("run", now="2026-11-20 11:05")) == []


def test_switched_off_notices_are_not_sent_later(make_app) -> None:
    off = make_app()
    load(off, BASE, "2026-11-20 10:00")
    load(off, BASE + "3,2026-12-11 12:00,601234503,C,P,\n", "2026-11-20 11:00")
    assert notices(off.json("run", now="2026-11-20 11:05")) == []
    on = make_app(ON)
    assert notices(on.json("run", now="2026-11-20 11:10")) == []  # the change was settled quietly


def test_moved_after_reminder_gets_reschedule_and_a_new_reminder(on: Cli) -> None:
    load(on, BASE, "2026-11-20 10:00")
    assert on.json("run", now="2026-12-09 10:00")["sent"] == 1  # reminder for visit 1
    load(on, BASE.replace("2026-12-10 10:00", "2026-12-15 13:00"), "2026-12-09 12:00")
    doc = on.json("run", now="2026-12-09 12:05")
    assert notices(doc) == [("reschedule", ["1"], "sent", None)]
    assert on.json("run", now="2026-12-14 13:00")["sent"] == 1
    assert [(m["kind"], m["text"]) for m in on.outbox() if m["appointments"] == ["1"]] == [
        ("reminder", "P przypomina o wizycie: czwartek, 10.12.2026, godz. 10:00."),
        ("reschedule", "P: termin wizyty zmieniony. Nowy termin: wtorek, 15.12.2026, godz. 13:00."),
        ("reminder", "P przypomina o wizycie: wtorek, 15.12.2026, godz. 13:00."),
    ]


def test_notice_to_a_landline_is_skipped_and_settled(on: Cli) -> None:
    load(on, BASE, "2026-11-20 10:00")
    load(on, BASE + "3,2026-12-11 12:00,22 628 45 12,C,P,\n", "2026-11-20 11:00")
    assert notices(on.json("run", now="2026-11-20 11:05")) == [("confirmation", ["3"], "skipped", "landline")]
    assert notices(on.json("run", now="2026-11-20 11:10")) == []
    assert on.outbox() == []
