"""The idle tick works in proportion to what is due (issue 14): each number is classified once
(by the first run that plans its visit, then stored), and a run renders texts only for messages
it sends or records."""

from __future__ import annotations

from typing import Any

import pytest

from smsremind import config
from smsremind.clock import parse_now
from smsremind.intake import phones
from smsremind.sending import gateways, runner
from smsremind.storage.store import Store
from smsremind.texts import templates
from tests.conftest import Cli, csv_file

HEAD = "id,start,phone,patient,practice\n"
# Tuesday 2026-12-01: 24 h reminders go out on Monday 2026-11-30 from 10:00 on.
ROWS = (
    "1,2026-12-01 10:00,601234567,A,P\n"
    "2,2026-12-01 11:00,221234567,B,P\n"  # a landline: skipped
    "3,2026-12-01 12:00,601234568,C,P\n"
    "4,2026-12-01 19:00,601234569,D,P\n"
)


def classes(app: Cli) -> dict[str, str | None]:
    store = Store(config.load(app.folder / "smsremind.toml").database)
    try:
        return {
            r["ext_id"]: r["phone_class"] for r in store.query("SELECT ext_id, phone_class FROM appointments")
        }
    finally:
        store.close()


def test_a_run_stores_the_class_of_each_number_it_plans(app: Cli) -> None:
    app("import", str(csv_file(app.folder, HEAD + ROWS)), now="2026-11-20 10:00")
    assert set(classes(app).values()) == {None}
    app("run", now="2026-11-30 09:00")  # plans Tuesday's visits: nothing due before the window
    assert classes(app) == {
        "1": "PL|+48601234567|",
        "2": "PL|+48221234567|landline",
        "3": "PL|+48601234568|",
        "4": "PL|+48601234569|",
    }
    changed = ROWS.replace("601234568", "12")
    app("import", str(csv_file(app.folder, HEAD + changed)), now="2026-11-30 09:10")
    assert classes(app)["3"] is None  # a new number: worked out again
    doc = app.json("preview", "--date", "2026-11-30", now="2026-11-30 09:15")
    assert [(m["appointments"], m["status"], m["reason"]) for m in doc] == [
        (["1"], "planned", None),
        (["2"], "skipped", "landline"),
        (["3"], "skipped", "invalid-number"),
        (["4"], "planned", None),
    ]
    app("run", now="2026-11-30 09:20")
    assert classes(app)["3"] == "PL||invalid-number"


def run(app: Cli, now: str) -> Any:
    cfg = config.load(app.folder / "smsremind.toml")
    store, gateway = Store(cfg.database), gateways.make(cfg)
    try:
        return runner.run(store, cfg, gateway, parse_now(now, cfg.timezone))
    finally:
        gateway.close()
        store.close()


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = templates.render

    def counting(template: str, values: Any) -> str:
        seen.append(template)
        return real(template, values)

    monkeypatch.setattr(templates, "render", counting)
    return seen


def test_idle_tick_parses_no_number_and_renders_only_what_it_records(app: Cli, renders: list[str]) -> None:
    app("import", str(csv_file(app.folder, HEAD + ROWS)), now="2026-11-20 10:00")
    report = run(app, "2026-11-30 09:00")  # before the window: nothing due, the landline recorded
    assert (report.sent, report.skipped, len(renders)) == (0, 1, 1)
    renders.clear()
    phones.classify.cache_clear()
    phones.to_class_text.cache_clear()
    report = run(app, "2026-11-30 09:30")  # the skip is already recorded: nothing to render
    assert (report.sent, report.skipped, renders) == (0, 0, [])
    report = run(app, "2026-11-30 12:00")  # visits 1 and 3 are due (24 h before), 4 is not yet
    assert (report.sent, len(renders)) == (2, 2)
    for fn in (phones.classify, phones.to_class_text):  # every number's class was stored
        assert fn.cache_info().hits + fn.cache_info().misses == 0
    outbox = app.outbox()
    assert [m["appointments"] for m in outbox] == [["1"], ["3"]] and all(m["text"] for m in outbox)
