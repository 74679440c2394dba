"""The real gateways against faithful local servers: exactly once under faults (SPEC §4, issue 5)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from smsremind import config
from smsremind.clock import parse_now
from smsremind.errors import GatewayError
from smsremind.sending import gateways, runner
from smsremind.sending.report import RunReport
from smsremind.storage.store import Store
from tests.conftest import Cli, csv_file
from tests.fakes.fake_smsapi import FakeSmsapi
from tests.fakes.fake_smsbrana import FakeSmsbrana
from tests.fakes.fake_twilio import FakeTwilio

TWILIO_SID = "AC" + "0" * 32


def gateway_config(name: str, fake: Any) -> str:
    common = f'base_url = "{fake.url}"\nsender = "Gabinet"\ntimeout = 0.5\nworkers = 4\nrate = 1000\n'
    keys = {
        "smsapi": 'provider = "smsapi"\ntoken = "test-token"\n',
        "smsbrana": 'provider = "smsbrana"\nlogin = "gabinet"\npassword = "secret"\n',
        "twilio": f'provider = "twilio"\naccount_sid = "{TWILIO_SID}"\nauth_token = "token"\n',
    }[name]
    return "[gateway]\n" + keys + common


FAKES = {"smsapi": FakeSmsapi, "smsbrana": FakeSmsbrana, "twilio": FakeTwilio}


@pytest.fixture(params=list(FAKES))
def gw(request: pytest.FixtureRequest, make_app: Any) -> Iterator[tuple[str, Any, Cli]]:
    with FAKES[request.param]() as fake:
        app = make_app("[quota]\nalerts = []\n" + gateway_config(request.param, fake))
        yield request.param, fake, app


def load(app: Cli, n: int) -> None:
    rows = "".join(
        f"{i},2026-12-01 {10 + i // 4:02d}:{15 * (i % 4):02d},+4860123{i:04d},P{i},Gabinet\n"
        for i in range(n)
    )
    app(
        "import",
        str(csv_file(app.folder, "id,start,phone,patient,practice\n" + rows)),
        now="2026-11-20 10:00",
    )


def run(app: Cli, now: str) -> RunReport:
    """A real run, with back-off sleeps skipped."""
    cfg = config.load(app.folder / "smsremind.toml")
    store = Store(cfg.database)
    gateway = gateways.make(cfg)
    try:
        return runner.run(store, cfg, gateway, parse_now(now, cfg.timezone), sleep=lambda _s: None)
    finally:
        gateway.close()
        store.close()


def sent_then_died(app: Cli) -> None:
    """One visit's reminder claimed and sent at 19:00, then the process died before recording it."""
    load(app, 1)
    cfg = config.load(app.folder / "smsremind.toml")
    store = Store(cfg.database)
    now = parse_now("2026-11-30 19:00", cfg.timezone)
    from smsremind.rules.planner import PlanContext, reminders_for
    from smsremind.sending.journal import as_sms, claim

    [p] = reminders_for(store, PlanContext.build(store, cfg, now), [now.date()])
    assert claim(store, cfg, p, now, None) == "claimed"
    gateway = gateways.make(cfg)
    gateway.send(as_sms(store, p.message_id), now)
    gateway.close()
    store.close()


def per_message(fake: Any) -> Counter[str]:
    """How many times the server accepted a message to each number."""
    return Counter(m["to"].lstrip("+") for m in fake.accepted)


def test_sends_each_due_message_once_with_the_gateways_parts(gw) -> None:
    _name, fake, app = gw
    load(app, 6)
    app("templates", "set", "reminder", "{practice}: wizyta {date} o {time}. " + "Zażółć gęślą jaźń " * 3)
    report = run(app, "2026-11-30 19:00")
    assert report.sent == 6 and set(per_message(fake).values()) == {1}
    assert {m.parts for m in report.messages} == {m["parts"] for m in fake.accepted} == {2}
    assert run(app, "2026-11-30 19:05").sent == 0 and len(fake.accepted) == 6
    assert app.json("quota", now="2026-11-30 19:10")["used_this_month"] == 12


@pytest.mark.parametrize("fault", ["fail_next", "rate_limit_next"])
def test_certainly_unprocessed_errors_are_retried(gw, fault: str) -> None:
    name, fake, app = gw
    load(app, 3)
    getattr(fake, fault)(times=2, **({"status": 503} if fault == "fail_next" else {}))
    report = run(app, "2026-11-30 19:00")
    if name == "twilio" and fault == "fail_next":  # 20503 promises nothing: unknown, never resent
        assert (report.sent, report.unknown, len(fake.accepted)) == (1, 2, 1)
    else:
        assert (report.sent, report.unknown) == (3, 0) and set(per_message(fake).values()) == {1}


def test_twilio_503_after_processing_is_not_resent(make_app) -> None:
    """Twilio took the message, then answered 20503: resending would send it twice."""
    with FakeTwilio() as fake:
        app = make_app("[quota]\nalerts = []\n" + gateway_config("twilio", fake))
        load(app, 2)
        fake.accept_then_fail_next(503)
        report = app.json("run", now="2026-11-30 19:00")
        assert len(fake.accepted) == 2 and set(per_message(fake).values()) == {1}
        assert report["sent"] == 2  # not resent: the look-up found the one that answered 503


def test_twilio_500_on_create_may_have_sent_it(make_app) -> None:
    with FakeTwilio() as fake:
        app = make_app("[quota]\nalerts = []\n" + gateway_config("twilio", fake))
        load(app, 2)
        fake.fail_next(status=500)
        report = run(app, "2026-11-30 19:00")
        assert (report.sent, report.unknown) == (1, 1)  # not retried: Twilio says it may be out
        assert [m.reason for m in report.messages if m.status == "unknown"] == [
            "Twilio 500: it may have sent the message"
        ]


@pytest.mark.parametrize("fault", ["accept_then_hang_next", "accept_then_drop_next", "garbage_next"])
def test_accepted_but_unanswered(gw, fault: str) -> None:
    """The gateway took it but we heard nothing: asked again with the key, or looked up (twilio)."""
    _name, fake, app = gw
    load(app, 3)
    getattr(fake, fault)(**({"seconds": 2.0} if fault == "accept_then_hang_next" else {}))
    report = run(app, "2026-11-30 19:00")
    assert (report.sent, report.unknown) == (3, 0)
    assert len(fake.accepted) == 3 and set(per_message(fake).values()) == {1}  # never twice
    assert app.json("quota", now="2026-11-30 19:01")["used_this_month"] == 3


def test_dropped_before_acceptance(gw) -> None:
    name, fake, app = gw
    load(app, 2)
    fake.drop_next()
    report = run(app, "2026-11-30 19:00")
    if name == "twilio":  # no key and not found: at most once, unknown, uncharged, listed
        assert (report.sent, report.unknown, len(fake.accepted)) == (1, 1, 1)
        assert run(app, "2026-11-30 19:05").sent == 0 and len(fake.accepted) == 1
        status = app.json("status", now="2026-11-30 19:06")
        assert [m["status"] for m in status["attention"]] == ["unknown"]
        assert app.json("quota", now="2026-11-30 19:06")["used_this_month"] == 1
    else:  # asked again with the same key: it goes out once
        assert (report.sent, len(fake.accepted)) == (2, 2)


def test_invalid_number_fails_without_charge(gw) -> None:
    name, fake, app = gw
    load(app, 2)
    fake.invalid_numbers.add({"twilio": "+48601230001"}.get(name, "48601230001"))
    report = run(app, "2026-11-30 19:00")
    assert sorted(m.status for m in report.messages) == ["failed", "sent"] and report.exit_code == 3
    assert app.json("quota", now="2026-11-30 19:01")["used_this_month"] == 1
    assert run(app, "2026-11-30 19:05").messages == []  # a definite rejection is final


def test_bad_credentials_stop_the_run_with_one_line(gw) -> None:
    name, fake, app = gw
    load(app, 2)
    toml = app.folder / "smsremind.toml"
    secret = {"smsapi": "token", "smsbrana": "password", "twilio": "auth_token"}[name]
    text = toml.read_text()
    toml.write_text(text.replace(f'{secret} = "', f'{secret} = "wrong-', 1))
    result = app("run", now="2026-11-30 19:00", code=1)
    assert result.stderr.startswith("smsremind: error: ") and result.stderr.count("\n") == 1
    assert fake.accepted == []
    assert app("gateway", "check", code=1).stderr.startswith("smsremind: error: ")
    toml.write_text(text)
    assert app.json("run", now="2026-11-30 19:05")["sent"] == 2  # held, then sent once fixed
    assert name.lower()[:3] in app("gateway", "check").stdout.lower().replace("á", "a")


def test_killed_run_is_resolved_without_duplicates(gw) -> None:
    """A message left 'sending' by a killed run: resent with its key, or unknown (twilio)."""
    _name, fake, app = gw
    sent_then_died(app)
    report = run(app, "2026-11-30 19:05")
    assert len(fake.accepted) == 1  # resent with its key (answered "already accepted"), or found (twilio)
    assert [m.status for m in report.messages] == ["sent"]


def test_delivery_reports_are_recorded_and_never_resend(gw) -> None:
    name, fake, app = gw
    load(app, 2)
    run(app, "2026-11-30 19:00")
    first, second = fake.accepted
    if name == "twilio":
        fake.set_status(first["id"], "delivered")
        fake.set_status(second["id"], "failed", error_code=30008)
    elif name == "smsbrana":
        fake.set_delivery(first["id"], "delivered")
        fake.set_delivery(second["id"], "undelivered")
    else:
        fake.set_delivery(first["id"], "DELIVERED")
        fake.set_delivery(second["id"], "UNDELIVERED")
    run(app, "2026-11-30 19:05")
    if name != "smsbrana":  # per-message queries wait 10 minutes, then at most hourly
        assert app.json("status", now="2026-11-30 19:06")["deliveries"]["counts"] == {"no report": 2}
        run(app, "2026-11-30 19:15")
        asked = len(fake.requests)
        run(app, "2026-11-30 19:20")
        assert len(fake.requests) == asked  # final reports are never asked for again
    status = app.json("status", now="2026-11-30 19:21")
    failed_word = "failed" if name == "twilio" else "undelivered"
    assert status["deliveries"]["counts"] == {"delivered": 1, failed_word: 1}
    assert len(fake.accepted) == 2
    used = app.json("quota", now="2026-11-30 19:21")["used_this_month"]
    assert used == (1 if name == "twilio" else 2)  # Twilio does not charge a failed message: refunded


def test_gateway_error_does_not_lose_claimed_messages(gw) -> None:
    name, fake, app = gw
    load(app, 3)
    code = {"smsapi": 103, "smsbrana": 9, "twilio": 20003}[name]
    fake.business_error_next(code)
    with pytest.raises(GatewayError):
        run(app, "2026-11-30 19:00")
    run(app, "2026-11-30 19:05")  # the refused message was held, not lost
    assert set(per_message(fake).values()) == {1} and len(fake.accepted) == 3


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("smsapi", 103, "SMSAPI: the account has no points left (103); top it up at smsapi.pl"),
        ("smsbrana", 9, "SMSbrána 9: not enough credit; top up the SMSbrána account"),
        ("smsbrana", 4, "SMSbrána 4: the clock differs too much from SMSbrána's; synchronise this machine's"),
        ("twilio", 20003, "Twilio 20003: authentication failed; check account_sid and auth_token"),
    ],
    ids=["smsapi-points", "smsbrana-credit", "smsbrana-clock", "twilio-auth"],
)
def test_gateway_refusals_say_what_to_do(make_app, name: str, code: int, message: str) -> None:
    with FAKES[name]() as fake:
        app = make_app("[quota]\nalerts = []\n" + gateway_config(name, fake))
        load(app, 1)
        fake.business_error_next(code)
        result = app("run", now="2026-11-30 19:00", code=1)
        assert result.stderr.startswith(f"smsremind: error: {message}") and result.stderr.count("\n") == 1
