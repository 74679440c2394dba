"""Two-way SMS through the CLI with the outbox gateway: inbox.jsonl in, answers out."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.conftest import Cli, csv_file

HEAD = "id,start,phone,patient,practice\n"
ON = "[replies]\nenabled = true\n"
# 2026-12-01 is a Tuesday: its reminders go out on Monday 2026-11-30.


def load(app: Cli, rows: str, now: str = "2026-11-20 10:00") -> None:
    app("import", str(csv_file(app.folder, HEAD + rows)), now=now)


def answer(app: Cli, phone: str, text: str, at: str, **extra: str) -> None:
    line = json.dumps({"from": phone, "text": text, "received_at": at, **extra}, ensure_ascii=False)
    with open(app.folder / "inbox.jsonl", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def remind_one(app: Cli) -> None:
    """Visit 1 on Tuesday 10:00; its reminder goes to +48601234567 on Monday 10:00."""
    load(app, "1,2026-12-01 10:00,601234567,A,P\n")
    app("run", now="2026-11-30 10:00")


def replies(app: Cli, now: str = "2026-11-30 21:00", *args: str) -> list[dict]:
    return app.json("replies", *args, now=now)


def exported(app: Cli) -> list[dict]:
    with open(app.folder / "replies.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_confirm_cancel_and_unrecognised_are_stored_with_their_appointments(make_app) -> None:
    app = make_app(ON)
    load(
        app,
        "1,2026-12-01 10:00,601234567,A,P\n2,2026-12-01 11:00,601234568,B,P\n"
        "3,2026-12-01 12:00,601234569,C,P\n",
    )
    assert app.json("run", now="2026-11-30 12:00")["sent"] == 3
    answer(app, "+48601234567", "Tak, dziękuję!", "2026-11-30T12:05:00+01:00")
    answer(app, "601234568", "NIE", "2026-11-30T12:06:00+01:00")
    answer(app, "48601234569", "Czy mogę o 13?", "2026-11-30T12:07:00+01:00")
    assert app.json("run", now="2026-11-30 12:10")["replies"] == 3
    assert replies(app) == [
        {
            "from": "+48601234567",
            "text": "Tak, dziękuję!",
            "received_at": "2026-11-30T12:05:00+01:00",
            "meaning": "confirm",
            "appointments": ["1"],
            "practice": "P",
        },
        {
            "from": "+48601234568",
            "text": "NIE",
            "received_at": "2026-11-30T12:06:00+01:00",
            "meaning": "cancel",
            "appointments": ["2"],
            "practice": "P",
        },
        {
            "from": "+48601234569",
            "text": "Czy mogę o 13?",
            "received_at": "2026-11-30T12:07:00+01:00",
            "meaning": "unrecognised",
            "appointments": ["3"],
            "practice": "P",
        },
    ]
    assert exported(app) == [
        {
            "appointment_id": "1",
            "practice": "P",
            "answer": "confirmed",
            "received_at": "2026-11-30T12:05:00+01:00",
            "phone": "+48601234567",
        },
        {
            "appointment_id": "2",
            "practice": "P",
            "answer": "cancel requested",
            "received_at": "2026-11-30T12:06:00+01:00",
            "phone": "+48601234568",
        },
    ]
    # Read again by every later run: still stored once.
    assert app.json("run", now="2026-11-30 12:15")["replies"] == 0
    assert len(replies(app)) == 3


def test_family_group_answer_covers_every_appointment(make_app) -> None:
    app = make_app(ON)
    load(app, "1,2026-12-01 10:00,601234567,Zosia,P\n2,2026-12-01 11:00,601234567,Jaś,P\n")
    app("run", now="2026-11-30 10:00")
    assert len(app.outbox()) == 1
    answer(app, "+48601234567", "NIE", "2026-11-30T12:00:00+01:00")
    app("run", now="2026-11-30 12:05")
    assert replies(app)[0]["appointments"] == ["1", "2"]
    assert [(r["appointment_id"], r["answer"]) for r in exported(app)] == [
        ("1", "cancel requested"),
        ("2", "cancel requested"),
    ]


def test_stop_opts_out_and_a_later_tak_does_not_undo_it(make_app) -> None:
    app = make_app(ON)
    load(app, "1,2026-12-01 10:00,601234567,A,P\n2,2026-12-08 10:00,601234567,A,P\n")
    app("run", now="2026-11-30 10:00")
    answer(app, "+48601234567", "STOP", "2026-11-30T11:00:00+01:00")
    answer(app, "+48601234567", "TAK", "2026-11-30T11:30:00+01:00")
    app("run", now="2026-11-30 12:00")
    assert [r["meaning"] for r in replies(app)] == ["stop", "confirm"]
    optouts = app.json("optout", "list")
    assert [(o["phone"], o["source"]) for o in optouts] == [("+48601234567", "reply")]
    doc = app.json("run", now="2026-12-07 10:00")
    assert [(m["appointments"], m["status"], m["reason"]) for m in doc["messages"]] == [
        (["2"], "skipped", "opted-out")
    ]
    app("optout", "remove", "+48601234567")
    assert app.json("optout", "list") == []


def test_answer_to_an_old_message_outside_the_window_belongs_to_nothing(make_app) -> None:
    app = make_app(ON + "window_days = 3\n")
    remind_one(app)
    answer(app, "+48601234567", "TAK", "2026-12-04T09:00:00+01:00")
    app("run", now="2026-12-04 09:30")
    doc = replies(app, "2026-12-04 10:00")
    assert [(r["meaning"], r["appointments"], r["practice"]) for r in doc] == [("confirm", [], None)]
    assert exported(app) == []


def test_answer_from_a_number_we_never_wrote_to_is_kept_for_a_person(make_app) -> None:
    app = make_app(ON)
    answer(app, "+48609999999", "TAK", "2026-11-30T09:00:00+01:00")
    app("run", now="2026-11-30 10:00")
    assert [(r["from"], r["appointments"]) for r in replies(app)] == [("+48609999999", [])]


def test_latest_answer_wins_and_date_filter(make_app) -> None:
    app = make_app(ON)
    remind_one(app)
    answer(app, "+48601234567", "TAK", "2026-11-30T10:30:00+01:00")
    answer(app, "+48601234567", "Jednak nie przyjdę", "2026-12-01T07:00:00+01:00")
    app("run", now="2026-12-01 07:05")
    assert [(r["appointment_id"], r["answer"]) for r in exported(app)] == [("1", "cancel requested")]
    assert [r["text"] for r in replies(app, "2026-12-01 08:00", "--date", "2026-11-30")] == ["TAK"]


def test_replies_off_reads_nothing(make_app) -> None:
    app = make_app()
    remind_one(app)
    answer(app, "+48601234567", "TAK", "2026-11-30T10:30:00+01:00")
    assert "replies" not in app.json("run", now="2026-11-30 10:35")
    assert replies(app) == []
    assert not Path(app.folder / "replies.csv").exists()


def test_a_broken_inbox_line_is_skipped_and_said_on_stderr(make_app, caplog) -> None:
    app = make_app(ON)
    (app.folder / "inbox.jsonl").write_text(
        'not json\n{"from": "+48601234567", "text": "TAK"}\n', encoding="utf-8"
    )
    answer(app, "+48601234567", "TAK", "2026-11-30T10:30:00+01:00")
    app("run", now="2026-11-30 10:35")
    assert "inbox.jsonl line 1:" in caplog.text and "inbox.jsonl line 2:" in caplog.text
    assert len(replies(app)) == 1


def test_purge_forgets_old_answers(make_app) -> None:
    app = make_app(ON)
    remind_one(app)
    answer(app, "+48601234567", "TAK", "2026-11-30T10:30:00+01:00")
    app("run", now="2026-11-30 10:35")
    app("purge", "--before", "2026-12-01", now="2026-12-05 10:00")
    assert app.json("replies", now="2026-12-05 10:00") == []
    (app.folder / "inbox.jsonl").unlink()  # else the next run would read it in again
    app("run", now="2026-12-05 10:05")
    assert exported(app) == []
