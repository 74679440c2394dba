"""Przelewy24 answers that must neither stop sending nor credit an unpaid pack (issue 11, 12).

Everything goes through the CLI against the local fake P24 (tests/fakes/p24_server.py) switched to
a hostile answer mode; `run` is started the way cron starts it (a bare environment, a subprocess).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, csv_file, p24_config
from tests.fakes.p24_server import MISSING, P24Server

BUY = ("quota", "buy", "100", "--no-browser", "--poll", "0.02")
BIN = Path(sys.executable).parent / "smsremind"


@pytest.fixture
def shop(make_app, p24, smtp) -> Cli:
    return make_app(p24_config(p24) + smtp.config())


def cron(folder: Path, *args: str, now: str) -> subprocess.CompletedProcess:
    """The real CLI with cron's bare environment."""
    env = {"PATH": "/usr/bin:/bin"}
    argv = [str(BIN), "--config", str(folder / "smsremind.toml"), "--now", now, *args]
    return subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr and "internal error" not in stderr, stderr
    return lines[0]


def nothing_credited(shop: Cli, smtp: Any) -> None:
    assert shop.json("quota")["bought_left"] == 0
    assert [h["kind"] for h in shop.json("quota", "history")].count("purchase") == 0
    assert smtp.messages == []


@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_is_a_clear_error_and_is_not_followed(
    shop: Cli, p24: P24Server, smtp, status: int
) -> None:
    with P24Server() as elsewhere:  # where a wrong base_url would lead: it must never hear from us
        target = f"{elsewhere.url}/api/v1/transaction/register"
        p24.redirect(target, status)
        result = shop(*BUY, "--wait", "1", code=1)
        assert elsewhere.requests == []
    line = one_line(result.stderr)
    assert f"answered a redirect ({status} to {target})" in line
    assert "check [payments] base_url" in line
    nothing_credited(shop, smtp)


HOSTILE = {
    "orderId-missing": ({"orderId": MISSING}, "orderId is missing"),
    "amount-null": ({"amount": None}, "amount is NoneType None"),
    "amount-string": ({"amount": "2900"}, "amount is str '2900'"),
    "status-string": ({"status": "2"}, "status is str '2'"),
    "other-session": ({"sessionId": "smsremind-someone-else"}, "answered about session"),
}


@pytest.mark.parametrize(("fields", "message"), HOSTILE.values(), ids=HOSTILE.keys())
def test_buy_with_a_malformed_status_answer_credits_nothing(
    shop: Cli, p24: P24Server, smtp, fields: dict, message: str
) -> None:
    p24.pay_later(after_polls=0)
    p24.tamper(**fields)
    result = shop(*BUY, "--wait", "5", now="2026-11-20 10:00", code=1)
    assert message in one_line(result.stderr)
    [payment] = shop.json("quota", "payments")
    assert payment["state"] == "pending"  # later runs ask again; nothing was decided on a bad answer
    assert p24.transactions[payment["id"]]["verify_calls"] == 0
    nothing_credited(shop, smtp)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"currency": "EUR"}, "paid 2900 EUR, expected 2900 PLN"),
        ({"amount": 290}, "paid 290 PLN, expected 2900 PLN"),
    ],
    ids=["other-currency", "other-amount"],
)
def test_an_answer_for_another_amount_or_currency_fails_the_purchase(
    shop: Cli, p24: P24Server, smtp, fields: dict, error: str
) -> None:
    p24.pay_later(after_polls=0)
    p24.tamper(**fields)
    result = shop(*BUY, "--wait", "5", now="2026-11-20 10:00")
    assert error in result.stderr
    [payment] = shop.json("quota", "payments")
    assert (payment["state"], payment["error"]) == ("failed", error)
    nothing_credited(shop, smtp)


def test_status_2_is_not_credited_unless_our_verify_succeeds(shop: Cli, p24: P24Server, smtp) -> None:
    shop(*BUY, "--wait", "0", now="2026-11-20 10:00")
    session = p24.last_session_id
    p24.pay(session, status=2)  # "payment made", but nobody verified it with our session and amount
    p24.fail_next("/transaction/verify", 400, {"error": "Incorrect verification", "code": 400}, times=1)
    shop("run", now="2026-11-20 10:30")
    assert shop.json("quota", "payments")[0]["state"] == "pending"
    nothing_credited(shop, smtp)
    # the next run verifies successfully: now, and only now, the pack is credited
    shop("run", now="2026-11-20 10:40")
    verifies = [r["json"] for r in p24.requests if r["path"] == "/api/v1/transaction/verify"]
    assert [(v["sessionId"], v["amount"], v["currency"]) for v in verifies] == [(session, 2900, "PLN")] * 2
    assert shop.json("quota")["bought_left"] == 100
    assert len(smtp.messages) == 1


def reminders_due_and_a_purchase_pending(shop: Cli, visits: int) -> None:
    """``visits`` reminders due at 2026-11-30 19:00 and a purchase pending since 18:00."""
    rows = "".join(f"{i},2026-12-01 {9 + i}:00,+4860111{i:04d},P{i},Gabinet\n" for i in range(visits))
    csv = csv_file(shop.folder, "id,start,phone,patient,practice\n" + rows)
    shop("import", str(csv), now="2026-11-20 10:00")
    shop(*BUY, "--wait", "0", now="2026-11-30 18:00")


def test_run_sends_every_due_reminder_while_p24_answers_garbage(shop: Cli, p24: P24Server, smtp) -> None:
    reminders_due_and_a_purchase_pending(shop, 10)
    p24.pay(p24.last_session_id)
    p24.tamper(orderId=MISSING, amount=None)
    done = cron(shop.folder, "run", "--json", now="2026-11-30 19:00")
    assert done.returncode == 0, done.stderr
    line = one_line(done.stderr)
    assert "purchase smsremind-" in line and "unreadable transaction status: orderId is missing" in line
    assert json.loads(done.stdout)["sent"] == 10 and len(shop.outbox()) == 10
    assert shop.json("quota", "payments")[0]["state"] == "pending"
    nothing_credited(shop, smtp)


def test_run_sends_when_the_payment_check_itself_breaks(shop: Cli, p24: P24Server, smtp) -> None:
    """Not only P24's answers: whatever goes wrong in the check (here its table is unreadable)."""
    reminders_due_and_a_purchase_pending(shop, 3)

    with sqlite3.connect(shop.folder / "smsremind.db") as conn:  # a date nobody can read
        conn.execute("UPDATE payments SET created_at = 'garbage'")
    done = cron(shop.folder, "run", "--json", now="2026-11-30 19:00")
    assert done.returncode == 0, done.stderr
    assert "purchases not checked" in one_line(done.stderr)
    assert json.loads(done.stdout)["sent"] == 3


def test_a_late_bank_transfer_is_credited_once_with_its_invoice(shop: Cli, p24: P24Server, smtp) -> None:
    shop(*BUY, "--wait", "0", now="2026-11-20 10:00")
    session = p24.last_session_id
    shop("run", now="2026-11-21 10:30")  # pending_hours = 24 passed
    assert shop.json("quota", "payments")[0]["state"] == "expired"
    polls = p24.transactions[session]["polls"]
    shop("run", now="2026-11-21 10:50")  # checked 20 minutes ago: not asked again yet
    assert p24.transactions[session]["polls"] == polls
    shop("run", now="2026-11-21 11:31")
    assert p24.transactions[session]["polls"] == polls + 1
    p24.pay(session)  # the transfer arrives four days later
    shop("run", now="2026-11-24 09:00")
    [payment] = shop.json("quota", "payments")
    assert (payment["state"], payment["invoice"], payment["error"]) == (
        "credited",
        "SMS/USMIECH/2026/0001",
        None,
    )
    assert p24.transactions[session]["verified"] is True
    for later in ("2026-11-24 10:30", "2026-11-25 09:00"):
        shop("run", now=later)
    assert shop.json("quota")["bought_left"] == 100
    assert [h["kind"] for h in shop.json("quota", "history")].count("purchase") == 1
    assert len(smtp.messages) == 1 and smtp.messages[0]["Subject"].startswith("Faktura SMS/USMIECH/2026/0001")


def test_an_expired_purchase_is_asked_about_for_30_days_only(shop: Cli, p24: P24Server) -> None:
    shop(*BUY, "--wait", "0", now="2026-11-01 10:00")
    session = p24.last_session_id
    shop("run", now="2026-11-02 11:00")
    shop("run", now="2026-12-01 09:00")  # day 30: still asked
    polls = p24.transactions[session]["polls"]
    p24.pay(session)
    shop("run", now="2026-12-01 10:01")  # 30 days are over: P24 is not asked any more
    assert p24.transactions[session]["polls"] == polls
    assert shop.json("quota", "payments")[0]["state"] == "expired"


@pytest.mark.parametrize(
    ("section", "drop", "named"),
    [
        ("seller", 'tax_id = "PL5250000000"\n', "[payments.seller] tax_id"),
        ("buyer", 'address = "ul. Żółkiewskiego 12, Łódź"\n', "[payments.buyer] address"),
        ("account", 'account = "USMIECH"\n', "[payments] account"),
    ],
)
def test_buy_refuses_before_registering_when_the_invoice_lacks_data(
    make_app, p24: P24Server, smtp, section: str, drop: str, named: str
) -> None:
    toml = p24_config(p24) + smtp.config()
    assert drop in toml
    shop = make_app(toml.replace(drop, ""))
    result = shop(*BUY, code=1)
    line = one_line(result.stderr)
    assert line.startswith(f"smsremind: error: cannot issue an invoice: set {named} in ")
    assert p24.requests == [] and shop.json("quota", "payments") == []


def test_the_mail_comes_from_smsremind_only_without_a_seller_address(make_app, p24: P24Server, smtp) -> None:
    shop = make_app(p24_config(p24).replace('email = "faktury@smsserwis.pl"\n', "") + smtp.config())
    p24.pay_later(after_polls=0)
    shop(*BUY, "--wait", "5", now="2026-11-20 10:00")
    assert [m["From"] for m in smtp.messages] == ["smsremind@localhost"]


SETTLE_AND_MAIL = """
import sys, time
from pathlib import Path
from smsremind import config
from smsremind.clock import parse_now
from smsremind.money.payments import purchase
from smsremind.money.payments.przelewy24 import Przelewy24
from smsremind.storage.store import Store
cfg = config.load(sys.argv[1]); store = Store(cfg.database); client = Przelewy24(cfg.payments)
now = parse_now("2026-11-20 10:05", cfg.timezone)
claim = purchase.new_claim()
while not Path(sys.argv[2]).exists():
    time.sleep(0.001)
state = purchase.settle(store, cfg, client, int(sys.argv[3]), now, claim)
print(state, purchase.mail_invoice(store, cfg, int(sys.argv[3]), now, claim) is not None)
"""


def test_two_processes_settling_one_payment_mail_the_invoice_once(shop: Cli, p24: P24Server, smtp) -> None:
    """What `quota buy` and `run` do at the same moment: settle, then mail; three rounds."""
    for round_ in range(1, 4):
        shop(*BUY, "--wait", "0", now="2026-11-20 10:00")
        p24.pay(p24.last_session_id)
        go = shop.folder / f"go{round_}"
        argv = [
            sys.executable,
            "-c",
            SETTLE_AND_MAIL,
            str(shop.folder / "smsremind.toml"),
            str(go),
            str(round_),
        ]
        procs = [
            subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
            )
            for _ in range(2)
        ]
        go.touch()
        outputs = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
        assert outputs == ["credited False", "credited True"], outputs
        assert len(smtp.messages) == round_
    assert [m["Subject"].split()[1] for m in smtp.messages] == [f"SMS/USMIECH/2026/000{n}" for n in (1, 2, 3)]
    assert shop.json("quota")["bought_left"] == 300
