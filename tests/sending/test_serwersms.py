"""The SerwerSMS.pl gateway against its local server: sending exactly once, reports, check, answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Cli
from tests.fakes.fake_serwersms import FakeSerwersms
from tests.sending.test_gateways import load, run, sent_then_died


def serwersms_config(fake: FakeSerwersms, sender: str = "Gabinet") -> str:
    return (
        f'[quota]\nalerts = []\n[gateway]\nprovider = "serwersms"\ntoken = "test-token"\n'
        f'base_url = "{fake.url}"\nsender = "{sender}"\ntimeout = 0.5\nworkers = 4\nrate = 1000\n'
    )


@pytest.fixture
def sw(make_app: Any) -> Iterator[tuple[FakeSerwersms, Cli]]:
    with FakeSerwersms() as fake:
        yield fake, make_app(serwersms_config(fake))


def once(fake: FakeSerwersms) -> bool:
    return set(Counter(m["to"] for m in fake.accepted).values()) == {1}


def test_sends_once_with_unique_id_and_the_parts_it_counts(sw) -> None:
    fake, app = sw
    load(app, 4)
    app("templates", "set", "reminder", "{practice}: wizyta {date} o {time}. " + "Zażółć gęślą jaźń " * 3)
    report = run(app, "2026-11-30 19:00")
    assert report.sent == 4 and once(fake) and {m["parts"] for m in fake.accepted} == {2}
    keys = {r["params"]["unique_id"] for r in fake.requests if r["path"] == "/messages/send_sms.json"}
    assert len(keys) == 4 and all(k.isalnum() and 3 <= len(k) <= 50 for k in keys)
    assert all(r["headers"].get("Authorization") == "Bearer test-token" for r in fake.requests)
    assert run(app, "2026-11-30 19:05").sent == 0 and len(fake.accepted) == 4
    assert app.json("quota", now="2026-11-30 19:10")["used_this_month"] == 8


def test_eco_without_a_sender_name(make_app) -> None:
    with FakeSerwersms() as fake:
        app = make_app(serwersms_config(fake, sender=""))
        load(app, 1)
        run(app, "2026-11-30 19:00")
        assert fake.accepted[0]["sender"] == "" and "sender" not in fake.requests[-1]["params"]


@pytest.mark.parametrize("fault", ["fail_next", "rate_limit_next"])
def test_certainly_unprocessed_errors_are_retried(sw, fault: str) -> None:
    fake, app = sw
    load(app, 3)
    getattr(fake, fault)(times=2, **({"status": 503} if fault == "fail_next" else {}))
    report = run(app, "2026-11-30 19:00")
    assert (report.sent, report.unknown) == (3, 0) and once(fake)


@pytest.mark.parametrize("fault", ["accept_then_hang_next", "accept_then_drop_next", "garbage_next"])
def test_accepted_but_unanswered_is_found_by_its_unique_id(sw, fault: str) -> None:
    fake, app = sw
    load(app, 3)
    getattr(fake, fault)(**({"seconds": 2.0} if fault == "accept_then_hang_next" else {}))
    report = run(app, "2026-11-30 19:00")
    assert (report.sent, report.unknown) == (3, 0) and len(fake.accepted) == 3 and once(fake)
    assert app.json("quota", now="2026-11-30 19:01")["used_this_month"] == 3


def test_dropped_before_acceptance_stays_unknown_never_twice(sw) -> None:
    fake, app = sw
    load(app, 2)
    fake.drop_next()
    report = run(app, "2026-11-30 19:00")
    assert (report.sent, report.unknown, len(fake.accepted)) == (1, 1, 1)
    assert run(app, "2026-11-30 19:05").sent == 0 and len(fake.accepted) == 1
    assert [m["status"] for m in app.json("status", now="2026-11-30 19:06")["attention"]] == ["unknown"]


def test_invalid_number_fails_without_charge(sw) -> None:
    fake, app = sw
    load(app, 2)
    fake.invalid_numbers.add("+48601230001")
    report = run(app, "2026-11-30 19:00")
    assert sorted(m.status for m in report.messages) == ["failed", "sent"] and report.exit_code == 3
    assert [m.reason for m in report.messages if m.status == "failed"] == [
        "SerwerSMS 2001: Invalid phone number"
    ]
    assert app.json("quota", now="2026-11-30 19:01")["used_this_month"] == 1


def test_bad_token_and_empty_limit_stop_the_run_with_one_line(sw) -> None:
    fake, app = sw
    load(app, 2)
    toml = app.folder / "smsremind.toml"
    text = toml.read_text()
    toml.write_text(text.replace('token = "', 'token = "wrong-', 1))
    result = app("run", now="2026-11-30 19:00", code=1)
    assert result.stderr == "smsremind: error: SerwerSMS 1001: the token was refused; check [gateway] token\n"
    assert app("gateway", "check", code=1).stderr.startswith("smsremind: error: SerwerSMS 1001")
    toml.write_text(text)
    fake.business_error_next(3002)
    assert "3002: the SMS FULL limit is used up" in app("run", now="2026-11-30 19:05", code=1).stderr
    app("run", now="2026-11-30 19:10")
    assert len(fake.accepted) == 2 and once(fake)  # the refused one was held, not lost
    assert "SerwerSMS" in app("gateway", "check").stdout and "full 999998" in app("gateway", "check").stdout


def test_killed_run_is_resolved_by_looking_up_the_unique_id(sw) -> None:
    fake, app = sw
    sent_then_died(app)
    report = run(app, "2026-11-30 19:05")
    assert len(fake.accepted) == 1 and [m.status for m in report.messages] == ["sent"]


def test_delivery_reports(sw) -> None:
    fake, app = sw
    load(app, 3)
    run(app, "2026-11-30 19:00")
    first, second, third = (m["id"] for m in fake.accepted)
    fake.set_delivery(first, "delivered")
    fake.set_delivery(second, "undelivered", reason="message_expired")
    fake.set_delivery(third, "unsent")
    run(app, "2026-11-30 19:15")
    counts = app.json("status", now="2026-11-30 19:16")["deliveries"]["counts"]
    assert counts == {"delivered": 1, "undelivered": 1, "unsent": 1}
    assert app.json("quota", now="2026-11-30 19:16")["used_this_month"] == 2  # unsent: refunded


def test_eco_answers_are_tied_to_the_message_they_answer(make_app) -> None:
    warsaw = ZoneInfo("Europe/Warsaw")
    with FakeSerwersms() as fake:
        app = make_app(serwersms_config(fake, sender="") + "[replies]\nenabled = true\n")
        load(app, 2)  # +48601230000 at 10:00 and +48601230001 at 10:15
        run(app, "2026-11-30 10:15")
        ids = {m["to"]: m["id"] for m in fake.accepted}
        fake.receive(
            "+48601230000", "TAK", datetime(2026, 11, 30, 10, 20, tzinfo=warsaw), ids["+48601230000"]
        )
        fake.receive(
            "+48601230001", "Nie przyjdę", datetime(2026, 11, 30, 10, 21, tzinfo=warsaw), ids["+48601230001"]
        )
        fake.receive("+48601230001", "STOP", datetime(2026, 11, 30, 10, 22, tzinfo=warsaw), kind="ndi")
        assert app.json("run", now="2026-11-30 10:30")["replies"] == 3
        assert app.json("run", now="2026-11-30 10:35")["replies"] == 0  # listed again, stored once
        got = [
            (r["from"], r["meaning"], r["appointments"]) for r in app.json("replies", now="2026-11-30 10:40")
        ]
        assert got == [
            ("+48601230000", "confirm", ["0"]),
            ("+48601230001", "cancel", ["1"]),
            ("+48601230001", "stop", ["1"]),
        ]
        polls = [r["params"] for r in fake.requests if r["path"] == "/messages/recived.json"]
        assert polls and not any(p.get("read") for p in polls)  # never consume-on-read


def test_replies_need_eco_or_2waysms(make_app) -> None:
    with FakeSerwersms() as fake:
        app = make_app(serwersms_config(fake, sender="Gabinet") + "[replies]\nenabled = true\n")
        assert '[gateway] sender = "Gabinet" is a name' in app("gateway", "check", code=1).stderr
        app = make_app(serwersms_config(fake, sender="2waySMS") + "[replies]\nenabled = true\n")
        app("gateway", "check")
