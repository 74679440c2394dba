"""DST end to end, in Europe/Warsaw and Europe/Prague: the instants reminders go out."""

from __future__ import annotations

import pytest

from tests.conftest import csv_file

ZONES = ["Europe/Warsaw", "Europe/Prague"]
HEAD = "id,start,phone,patient,practice\n"


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    ("visit", "run_at", "sent_at"),
    [
        ("2026-03-30 10:00", "2026-03-29 10:00", "2026-03-29T10:00:00+02:00"),  # 23 h before, wall clock
        ("2026-10-26 10:00", "2026-10-25 10:00", "2026-10-25T10:00:00+01:00"),  # 25 h before, wall clock
    ],
    ids=["spring-2026-03-29", "autumn-2026-10-25"],
)
def test_24h_reminder_keeps_the_wall_clock_across_the_change(
    make_app,
    zone: str,
    visit: str,
    run_at: str,
    sent_at: str,
) -> None:
    app = make_app(f'timezone = "{zone}"\n[reminders]\nskip_weekends = false\n')
    app("import", str(csv_file(app.folder, HEAD + f"1,{visit},601234567,A,P\n")), now="2026-03-01 10:00")
    assert app.json("run", now=run_at)["sent"] == 1
    assert app.outbox()[0]["sent_at"] == sent_at


@pytest.mark.parametrize("zone", ZONES)
def test_send_time_in_the_spring_gap_goes_out_an_hour_later(make_app, zone: str) -> None:
    app = make_app(f'timezone = "{zone}"\n[reminders]\nskip_weekends = false\nwindow = ["00:00", "23:59"]\n')
    app(
        "import",
        str(csv_file(app.folder, HEAD + "1,2026-03-30 02:30,601234567,A,P\n")),
        now="2026-03-01 10:00",
    )
    preview = app.json("preview", "--date", "2026-03-29", now="2026-03-01 10:00")
    assert [m["send_at"] for m in preview] == ["2026-03-29 03:30"]  # 02:30 does not exist that night
    assert app.json("run", now="2026-03-29 03:29")["sent"] == 0
    assert app.json("run", now="2026-03-29 03:30")["sent"] == 1


@pytest.mark.parametrize("zone", ZONES)
def test_send_time_in_the_repeated_hour_is_its_first_occurrence(make_app, zone: str) -> None:
    app = make_app(f'timezone = "{zone}"\n[reminders]\nskip_weekends = false\nwindow = ["00:00", "23:59"]\n')
    app(
        "import",
        str(csv_file(app.folder, HEAD + "1,2026-10-26 02:30,601234567,A,P\n")),
        now="2026-10-01 10:00",
    )
    assert app.json("run", now="2026-10-25 02:30")["sent"] == 1
    assert app.outbox()[0]["sent_at"] == "2026-10-25T02:30:00+02:00"  # still summer time
