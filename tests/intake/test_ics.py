"""iCalendar diaries: zones, Google's X-WR-TIMEZONE, a DST day, recurring and cancelled visits."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import Cli
from tests.intake.test_formats import WARSAW, calendar


def event(uid: str, start: str, extra: str = "", summary: str = "Anna 601234567") -> str:
    return f"BEGIN:VEVENT\r\nUID:{uid}\r\n{start}\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\n"


def load(app: Cli, text: str, now: str = "2026-11-20 10:00", code: int = 0, *extra: str) -> dict:
    (app.folder / "k.ics").write_text(text, encoding="utf-8")
    return app.json("import", "k.ics", "--practice", "P", *extra, now=now, code=code)


def stored(app: Cli) -> list[tuple]:
    with sqlite3.connect(app.folder / "smsremind.db") as conn:
        return conn.execute(
            "SELECT ext_id, start, patient, phone, status FROM appointments ORDER BY start, ext_id"
        ).fetchall()


def test_zones_floating_utc_and_the_dst_day(app: Cli) -> None:
    prague = WARSAW.replace("Europe/Warsaw", "Europe/Prague")
    events = "".join(
        [
            event("tz", "DTSTART;TZID=Europe/Warsaw:20261207T090000"),
            event("utc", "DTSTART:20261207T100000Z"),
            event("floating", "DTSTART:20261207T110000"),  # X-WR-TIMEZONE says Warsaw
            event("prague", "DTSTART;TZID=Europe/Prague:20261207T120000"),
            event("gap", "DTSTART;TZID=Europe/Warsaw:20270328T023000"),  # clocks jump 02:00 -> 03:00
            event("fold1", "DTSTART;TZID=Europe/Warsaw:20261025T023000"),  # first of two 02:30s
            event("fold2", "DTSTART:20261025T013000Z"),  # the second 02:30 (CET), given in UTC
            event("outlook", "DTSTART;TZID=Central European Standard Time:20261208T090000"),
        ]
    )
    doc = load(app, calendar(events, head="X-WR-TIMEZONE:Europe/Warsaw\r\n" + prague), "2026-10-01 10:00", 3)
    assert doc["rejects"] == [
        {"line": 5, "reason": "start 2027-03-28 02:30 does not exist in Europe/Warsaw (clocks jump forward)"}
    ]
    assert [(r[0], r[1]) for r in stored(app)] == [
        ("fold1", "2026-10-25T00:30:00Z"),
        ("fold2", "2026-10-25T01:30:00Z"),
        ("tz", "2026-12-07T08:00:00Z"),
        ("floating", "2026-12-07T10:00:00Z"),
        ("utc", "2026-12-07T10:00:00Z"),
        ("prague", "2026-12-07T11:00:00Z"),
        ("outlook", "2026-12-08T08:00:00Z"),
    ]


def test_phone_from_description_location_summary_or_attendee(app: Cli) -> None:
    events = "".join(
        [
            event("d", "DTSTART:20261207T090000", "DESCRIPTION:Kontrola 07.12.2026\\, tel. 601 234 567\r\n"),
            event("l", "DTSTART:20261207T100000", "LOCATION:Gabinet 2\\, +420 777 123 456\r\n", "Ola"),
            event("s", "DTSTART:20261207T110000", "", "Piotr Wiśniewski - 601-234-568"),
            event("a", "DTSTART:20261207T120000", "ATTENDEE;CN=Ewa:tel:+48601234569\r\n", "Ewa"),
            event("none", "DTSTART:20261207T130000", "ATTENDEE:mailto:ewa@example.com\r\n", "Bez numeru"),
            event("allday", "DTSTART;VALUE=DATE:20261207", "", "Urlop 601234570"),
        ]
    )
    doc = load(app, calendar(events), code=3)
    assert doc["rejects"] == [
        {"line": 5, "reason": "phone is empty"},
        {
            "line": 6,
            "reason": "start '2026-12-07' has no time of day (a separate time column: --map time=NAME)",
        },
    ]
    assert [(r[0], r[2], r[3]) for r in stored(app)] == [
        ("d", "Anna 601234567", "601 234 567"),
        ("l", "Ola", "+420 777 123 456"),
        ("s", "Piotr Wiśniewski", "601-234-568"),
        ("a", "Ewa", "+48601234569"),
    ]


SERIES = (
    "BEGIN:VEVENT\r\nUID:r@x\r\nDTSTART;TZID=Europe/Warsaw:20261202T080000\r\n"
    "RRULE:FREQ=WEEKLY;BYDAY=WE\r\nEXDATE;TZID=Europe/Warsaw:20261223T080000\r\n"
    "SUMMARY:Piotr\r\nDESCRIPTION:tel. 601234571\r\n"
    "BEGIN:VALARM\r\nUID:alarm-1\r\nACTION:DISPLAY\r\nTRIGGER:-PT30M\r\nEND:VALARM\r\nEND:VEVENT\r\n"
)
MOVED = (
    "BEGIN:VEVENT\r\nUID:r@x\r\nRECURRENCE-ID;TZID=Europe/Warsaw:20261209T080000\r\n"
    "DTSTART;TZID=Europe/Warsaw:20261209T150000\r\nSUMMARY:Piotr\r\n"
    "DESCRIPTION:tel. 601234571\r\nEND:VEVENT\r\n"
)


def test_recurring_visits_of_the_next_90_days(app: Cli) -> None:
    doc = load(app, calendar(SERIES + MOVED), now="2026-11-30 10:00")
    rows = stored(app)
    assert doc["new"] == len(rows) == 12  # Wednesdays 2.12.2026 .. 24.2.2027, less the EXDATE
    assert rows[0] == ("r@x/20261202T070000Z", "2026-12-02T07:00:00Z", "Piotr", "601234571", "scheduled")
    assert rows[1] == ("r@x/20261209T070000Z", "2026-12-09T14:00:00Z", "Piotr", "601234571", "scheduled")
    assert "r@x/20261223T070000Z" not in {r[0] for r in rows}
    assert rows[-1][1] == "2027-02-24T07:00:00Z"
    assert rows[4][1] == "2027-01-06T07:00:00Z"  # winter time: still 08:00 local

    # Re-read later: nothing changes for the visits already known; the window moves on.
    again = load(app, calendar(SERIES + MOVED), now="2026-12-07 10:00")
    assert (again["new"], again["moved"], again["unchanged"]) == (1, 0, 11)  # + 3.3.2027

    # The occurrence of 16.12 is cancelled in the calendar, the one of 9.12 moved back.
    back = MOVED.replace("20261209T150000", "20261209T080000")
    cancelled = back + back.replace("20261209", "20261216").replace(
        "END:VEVENT", "STATUS:CANCELLED\r\nEND:VEVENT"
    )
    changed = load(app, calendar(SERIES + cancelled), now="2026-12-07 11:00")
    assert (changed["moved"], changed["cancelled"]) == (1, 1)


def test_recurring_and_cancelled_visits_are_told_like_csv_ones(make_app) -> None:
    from tests.intake.test_formats import ON, notices

    app = make_app(ON)
    load(app, calendar(SERIES), now="2026-11-30 10:00")
    assert notices(app, "2026-11-30 10:05") == []
    cancelled = MOVED.replace("20261209T150000", "20261209T080000").replace(
        "END:VEVENT", "STATUS:CANCELLED\r\nEND:VEVENT"
    )
    assert load(app, calendar(SERIES + cancelled), now="2026-11-30 11:00")["cancelled"] == 1
    assert notices(app, "2026-11-30 11:05") == [("cancellation", ["r@x/20261209T070000Z"], "sent")]
    assert app.outbox()[-1]["text"] == "P: odwołano wizytę (środa, 09.12.2026, godz. 08:00)."


def test_a_calendar_without_its_own_columns_ignores_the_csv_mapping(make_app) -> None:
    app = make_app('[import.columns]\nstart = "Termin"\nphone = "Telefon"\n')
    doc = load(app, calendar(event("1", "DTSTART;TZID=Europe/Warsaw:20261207T090000")))
    assert doc["new"] == 1


def test_broken_event_text_is_one_line(app: Cli) -> None:
    text = calendar(event("1", "DTSTART;TZID=Europe/Warsaw:20261207T090000", "RRULE:FREQ=SOMETIMES\r\n"))
    (app.folder / "k.ics").write_text(text, encoding="utf-8")
    result = app("import", "k.ics", "--practice", "P", code=1)
    assert result.stderr.startswith("smsremind: error: k.ics: cannot expand the recurring events (")
    assert result.stderr.count("\n") == 1
    assert stored(app) == []


def test_folded_lines_and_a_bom_are_read(app: Cli, tmp_path: Path) -> None:
    text = calendar(
        event(
            "1",
            "DTSTART;TZID=Europe/Warsaw:20261207T090000",
            "DESCRIPTION:Wizyta kontrolna\r\n  tel. 601 2\r\n 34 567\r\n",
        )
    )
    (app.folder / "k.ics").write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert app.json("import", "k.ics", "--practice", "P", now="2026-11-20 10:00")["new"] == 1
    assert stored(app)[0][3] == "601 234 567"
