"""Notices through the installed binary, the way cron runs it (issue 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_e2e import enable, outbox, sh

pytestmark = pytest.mark.slow
HEAD = "id,start,phone,patient,practice,status\n"
ROWS = {
    "1": "1,2026-12-10 10:00,601234501,Anna,Gabinet,",
    "2": "2,2026-12-10 11:00,601234502,Ben,Gabinet,",
    "3": "3,2026-12-11 09:30,601234503,Cyd,Gabinet,",
}


def export(folder: Path, rows: dict[str, str]) -> str:
    (folder / "export.csv").write_text(HEAD + "\n".join(rows.values()) + "\n", encoding="utf-8")
    return "export.csv"


def run(folder: Path, now: str) -> list[tuple]:
    doc = json.loads(sh(folder, "run", "--json", now=now).stdout)
    return [(m["kind"], m["appointments"], m["status"], m["reason"]) for m in doc["messages"]]


def test_notices_end_to_end(tmp_path: Path) -> None:
    sh(tmp_path, "init")
    enable(tmp_path)
    toml = tmp_path / "smsremind.toml"
    toml.write_text(
        toml.read_text()
        .replace("confirmation = false", "confirmation = true")
        .replace("reschedule = false", "reschedule = true")
        .replace("cancellation = false", "cancellation = true")
    )
    rows = dict(ROWS)
    sh(tmp_path, "import", export(tmp_path, rows), "--full", now="2026-11-23 08:00")
    assert run(tmp_path, "2026-11-23 09:00") == []  # baseline: no notices

    rows["4"] = "4,2026-12-14 15:00,601234504,Dan,Gabinet,"
    sh(tmp_path, "import", export(tmp_path, rows), "--full", now="2026-11-23 10:00")
    assert run(tmp_path, "2026-11-23 10:05") == [("confirmation", ["4"], "sent", None)]

    rows["1"] = "1,2026-12-11 12:00,601234501,Anna,Gabinet,"
    sh(tmp_path, "import", export(tmp_path, rows), "--full", now="2026-11-23 11:00")
    rows["1"] = "1,2026-12-15 16:30,601234501,Anna,Gabinet,"
    sh(tmp_path, "import", export(tmp_path, rows), "--full", now="2026-11-23 11:30")
    assert run(tmp_path, "2026-11-23 12:00") == [("reschedule", ["1"], "sent", None)]
    assert outbox(tmp_path)[-1]["text"].endswith("Nowy termin: wtorek, 15.12.2026, godz. 16:30.")

    rows["5"] = "5,2026-12-16 08:00,601234505,Eve,Gabinet,"
    sh(tmp_path, "import", export(tmp_path, rows), "--full", now="2026-11-23 13:00")
    rows["5"] = "5,2026-12-16 08:00,601234505,Eve,Gabinet,cancelled"
    sh(tmp_path, "import", export(tmp_path, rows), "--full", now="2026-11-23 13:30")
    assert run(tmp_path, "2026-11-23 14:00") == []  # booked then cancelled: nothing

    rows["6"] = "6,2026-12-17 10:00,601234506,Fay,Gabinet,"
    sh(tmp_path, "import", export(tmp_path, rows), "--full", now="2026-11-23 22:00")
    assert run(tmp_path, "2026-11-23 22:05") == []
    assert run(tmp_path, "2026-11-24 09:00") == [("confirmation", ["6"], "sent", None)]

    del rows["2"]  # gone from the export: cancelled by --full, and the patient is told
    report = json.loads(
        sh(tmp_path, "import", export(tmp_path, rows), "--full", "--json", now="2026-11-24 10:00").stdout
    )
    assert report["removed"] == 1
    assert run(tmp_path, "2026-11-24 10:05") == [("cancellation", ["2"], "sent", None)]
    assert outbox(tmp_path)[-1]["text"] == "Gabinet: odwołano wizytę (czwartek, 10.12.2026, godz. 11:00)."

    again = json.loads(
        sh(tmp_path, "import", export(tmp_path, rows), "--full", "--json", now="2026-11-24 11:00").stdout
    )
    assert (again["new"], again["moved"], again["cancelled"], again["removed"]) == (0, 0, 0, 0)
    assert run(tmp_path, "2026-11-24 11:05") == []
    assert [m["kind"] for m in outbox(tmp_path)] == [
        "confirmation",
        "reschedule",
        "confirmation",
        "cancellation",
    ]


def test_notices_name_the_visit_as_it_now_stands_whenever_cron_ran(tmp_path: Path) -> None:
    """Issue 11: a cancel after an unannounced move names the new date; a confirmation dropped
    by an evening run is owed again after a move, as if that run had never happened."""

    def told(folder: Path, now: str) -> list[tuple]:
        return [m for m in run(folder, now) if m[0] != "reminder"]

    outboxes = []
    for evening_run in (True, False):
        folder = tmp_path / f"evening-run-{evening_run}"
        folder.mkdir()
        sh(folder, "init")
        enable(folder)
        toml = folder / "smsremind.toml"
        toml.write_text(
            toml.read_text()
            .replace("confirmation = false", "confirmation = true")
            .replace("cancellation = false", "cancellation = true")
        )
        rows = {
            "1": "1,2026-11-05 14:00,601234501,Anna,Gabinet,",
            "9": "9,2026-12-20 10:00,601234509,Zoe,Gabinet,",
        }
        sh(folder, "import", export(folder, rows), now="2026-11-02 10:00")  # baseline
        rows["1"] = "1,2026-11-12 14:00,601234501,Anna,Gabinet,"
        sh(folder, "import", export(folder, rows), now="2026-11-02 21:00")
        rows["1"] += "cancelled"
        sh(folder, "import", export(folder, rows), now="2026-11-02 22:00")
        assert told(folder, "2026-11-03 09:00") == [("cancellation", ["1"], "sent", None)]
        rows["2"] = "2,2026-11-10 08:30,601234502,Ben,Gabinet,"
        sh(folder, "import", export(folder, rows), now="2026-11-09 21:00")
        if evening_run:  # the window opens after the visit: the confirmation is dropped
            assert told(folder, "2026-11-09 21:05") == [
                ("confirmation", ["2"], "expired", "appointment-passed")
            ]
        rows["2"] = "2,2026-11-10 14:00,601234502,Ben,Gabinet,"
        sh(folder, "import", export(folder, rows), now="2026-11-10 07:30")
        assert told(folder, "2026-11-10 09:00") == [("confirmation", ["2"], "sent", None)]
        outboxes.append([m["text"] for m in outbox(folder)])
    assert (
        outboxes[0]
        == outboxes[1]
        == [
            "Gabinet: odwołano wizytę (czwartek, 12.11.2026, godz. 14:00).",
            "Gabinet potwierdza wizytę: wtorek, 10.11.2026, godz. 14:00.",
        ]
    )
