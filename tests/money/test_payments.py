"""Top-ups through Przelewy24 (SPEC §7) against a local P24 server, invoices over real SMTP."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from smsremind import config
from smsremind.errors import ConfigError
from smsremind.money.payments import przelewy24 as p24mod
from smsremind.money.payments.przelewy24 import Przelewy24
from tests.conftest import Cli, p24_config, write_config
from tests.fakes.p24_server import sign_register

BUY = ("quota", "buy", "100", "--no-browser", "--poll", "0.02")


@pytest.fixture
def shop(make_app, p24, smtp) -> Cli:
    return make_app(p24_config(p24) + smtp.config())


def client_for(app: Cli) -> Przelewy24:
    return Przelewy24(config.load(app.folder / "smsremind.toml").payments)


def test_sign_matches_the_published_vector_and_the_server() -> None:
    expected = (
        "a34cf822f00b51d8d75e2d21334d6ffb5f2fac8408574f4cd7d4897f07ed61312244f9875e18ce63a4fbe2668d7ffc30"
    )
    assert p24mod.register_sign("sessionId", 999999, 1000, "PLN", "crc") == expected
    assert sign_register("sessionId", 999999, 1000, "PLN", "crc") == expected


def test_client_register_status_verify(shop: Cli, p24) -> None:
    client = client_for(shop)
    token = client.register(
        session_id="s-1",
        amount=2900,
        currency="PLN",
        description="Pakiet 100 SMS",
        email="kierownik@gabinet.pl",
        country="PL",
        language="pl",
    )
    assert client.link(token) == f"{p24.url}/trnRequest/{token}"
    body = p24.transactions["s-1"]["body"]
    assert (body["amount"], body["merchantId"], body["posId"], body["urlReturn"], body["timeLimit"]) == (
        2900,
        999999,
        999999,
        "https://www.przelewy24.pl",
        0,  # no time limit: a traditional bank transfer may take days
    )
    assert "channel" not in body  # every method the merchant enabled, traditional transfer included
    assert client.status("s-1") is None  # not paid yet (404)
    order_id = p24.pay("s-1")
    tx = client.status("s-1")
    assert tx is not None and (tx.status, tx.order_id, tx.amount, tx.session_id) == (1, order_id, 2900, "s-1")
    client.verify(session_id="s-1", order_id=order_id, amount=2900, currency="PLN")
    assert p24.transactions["s-1"]["status"] == 2


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (
            "api_key",
            "Przelewy24 refused the credentials ([payments] pos_id / api_key): Incorrect authentication",
        ),
        ("crc", "Przelewy24 rejected the transaction: Incorrect sign"),
        ("down", "cannot reach Przelewy24 at http://127.0.0.1:"),
    ],
    ids=["bad-api-key", "bad-crc", "network-down"],
)
def test_errors_are_one_line_and_nothing_is_credited(shop: Cli, p24, breakage: str, message: str) -> None:
    toml = shop.folder / "smsremind.toml"
    if breakage == "down":
        p24.down()
    else:
        toml.write_text(
            toml.read_text().replace(f'{breakage} = "{getattr(p24, breakage)}"', f'{breakage} = "wrong"')
        )
    result = shop(*BUY, "--wait", "1", code=1)
    assert result.stderr.startswith(f"smsremind: error: {message}") and result.stderr.count("\n") == 1
    [payment] = shop.json("quota", "payments")
    assert payment["state"] == "failed" and message.split(":")[0] in payment["error"]
    assert shop.json("quota")["bought_left"] == 0


def test_unconfigured_payments_say_what_is_missing(app: Cli) -> None:
    result = app(*BUY, code=1)
    assert (
        "Przelewy24 is not configured: set [payments] merchant_id, [payments] api_key, [payments] crc"
        in result.stderr
    )
    with pytest.raises(ConfigError):
        Przelewy24(config.parse("", Path("/x/smsremind.toml")).payments)


def test_buy_waits_verifies_credits_and_mails_the_invoice(shop: Cli, p24, smtp) -> None:
    p24.pay_later(after_polls=3)
    result = shop(*BUY, "--wait", "30", now="2026-11-20 10:00")
    session = p24.last_session_id
    order = p24.transactions[session]["orderId"]
    assert f"Payment {session}: 100 SMS for 29.00 PLN" in result.stdout
    assert f"Pay here: {p24.url}/trnRequest/" in result.stdout
    assert f"Paid: 100 SMS credited (P24 order {order})." in result.stdout
    assert "Invoice SMS/USMIECH/2026/0001 sent to kierownik@gabinet.pl" in result.stdout
    assert p24.transactions[session]["verified"] is True
    assert shop.json("quota", now="2026-11-20 10:00")["bought_left"] == 100
    [mail] = smtp.messages
    assert mail["Subject"] == "Faktura SMS/USMIECH/2026/0001 – pakiet 100 SMS"
    assert mail["From"] == "faktury@smsserwis.pl"  # the seller issues the invoice, not smsremind@localhost
    [pdf] = [part for part in mail.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == "SMS-USMIECH-2026-0001.pdf"
    text = " ".join(PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text().split())
    for expected in (
        "Faktura VAT nr SMS/USMIECH/2026/0001",
        "Data wystawienia: 20.11.2026",
        "Data sprzedaży: 20.11.2026",
        "SMS Serwis Sp. z o.o.",
        "ul. Długa 1, 00-001 Warszawa",
        "NIP: PL5250000000",
        "Gabinet Stomatologiczny Uśmiech",
        "ul. Żółkiewskiego 12, Łódź",
        "NIP: PL7250000000",
        "Pakiet 100 SMS szt. 1 23,58 PLN 23,58 PLN 23% 5,42 PLN 29,00 PLN",
        "Razem 23,58 PLN 5,42 PLN 29,00 PLN",
        "Słownie: dwadzieścia dziewięć złotych 00/100",
        f"Zapłacono: 29,00 PLN, 20.11.2026, Przelewy24, nr transakcji {order}",
    ):
        assert expected in text, expected
    history = shop.json("quota", "history", now="2026-11-20 10:00")
    assert [(h["kind"], h["pool"], h["parts"]) for h in history] == [
        ("allowance", "monthly", 300),
        ("purchase", "bought", 100),
    ]


def test_unpaid_purchase_is_left_to_later_runs_then_credited_or_expired(shop: Cli, p24, smtp) -> None:
    result = shop(*BUY, "--wait", "0", now="2026-11-20 10:00")
    session = p24.last_session_id
    assert f"Not paid yet. Payment id {session} stays pending" in result.stdout
    assert shop.json("quota", "payments")[0]["state"] == "pending"
    shop("run", now="2026-11-20 11:00")
    assert shop.json("quota", "payments")[0]["state"] == "pending"
    p24.pay(session)
    shop("run", now="2026-11-20 12:00")
    assert [(p["state"], p["invoice"]) for p in shop.json("quota", "payments")] == [
        ("credited", "SMS/USMIECH/2026/0001")
    ]
    assert len(smtp.messages) == 1
    shop(*BUY, "--wait", "0", now="2026-11-20 13:00")
    shop("run", now="2026-11-21 12:59")
    assert shop.json("quota", "payments")[0]["state"] == "pending"
    shop("run", now="2026-11-21 13:01")  # pending_hours = 24 has passed
    assert [p["state"] for p in shop.json("quota", "payments")] == ["expired", "credited"]


def test_paid_amount_that_differs_is_not_credited(shop: Cli, p24) -> None:
    p24.pay_later(after_polls=1, amount=100)
    shop(*BUY, "--wait", "5", now="2026-11-20 10:00", code=0)
    [payment] = shop.json("quota", "payments")
    assert payment["state"] == "failed" and payment["error"] == "paid 100 PLN, expected 2900 PLN"
    assert shop.json("quota")["bought_left"] == 0


SETTLE = """
import sys, time
from pathlib import Path
from smsremind import config
from smsremind.clock import parse_now
from smsremind.money.payments import purchase
from smsremind.money.payments.przelewy24 import Przelewy24
from smsremind.storage.store import Store
cfg = config.load(sys.argv[1]); store = Store(cfg.database); client = Przelewy24(cfg.payments)
while not Path(sys.argv[2]).exists():
    time.sleep(0.001)
print(purchase.settle(store, cfg, client, int(sys.argv[3]), parse_now("2026-11-20 10:05", cfg.timezone)))
"""


def test_two_processes_settling_one_paid_purchase_credit_it_once(shop: Cli, p24) -> None:
    shop(*BUY, "--wait", "0", now="2026-11-20 10:00")
    p24.pay(p24.last_session_id)
    go = shop.folder / "go"
    argv = [sys.executable, "-c", SETTLE, str(shop.folder / "smsremind.toml"), str(go), "1"]
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    threading.Timer(0.5, go.touch).start()
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [o.strip() for o, _ in outputs] == ["credited", "credited"], outputs
    history = shop.json("quota", "history")
    assert [h["kind"] for h in history].count("purchase") == 1
    assert shop.json("quota")["bought_left"] == 100


def test_each_installation_numbers_invoices_in_its_own_series(tmp_path: Path, p24, smtp) -> None:
    """Two practices buying through one merchant: SMS/USMIECH/2026/0001 and SMS/ZDROWIE/2026/0001."""
    numbers = []
    for account in ("USMIECH", "ZDROWIE"):
        folder = tmp_path / account
        folder.mkdir()
        write_config(folder, p24_config(p24).replace("USMIECH", account) + smtp.config())
        shop = Cli(folder)
        p24.pay_later(after_polls=0)
        for _ in range(2):
            shop(*BUY, "--wait", "5", now="2026-11-20 10:00")
        numbers += [p["invoice"] for p in shop.json("quota", "payments")]
    assert numbers == [
        "SMS/USMIECH/2026/0002",
        "SMS/USMIECH/2026/0001",
        "SMS/ZDROWIE/2026/0002",
        "SMS/ZDROWIE/2026/0001",
    ]


def test_a_series_without_account_needs_no_account_code(make_app, p24, smtp) -> None:
    toml = p24_config(p24).replace('account = "USMIECH"\n', 'invoice_series = "FV/{n}/{year}"\n')
    shop = make_app(toml + smtp.config())
    p24.pay_later(after_polls=0)
    shop(*BUY, "--wait", "5", now="2026-11-20 10:00")
    assert shop.json("quota", "payments")[0]["invoice"] == "FV/0001/2026"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('invoice_series = "SMS/{year}"', "must contain {n} once"),
        ('invoice_series = "SMS/{nip}/{n}"', "unknown field {nip}"),
        ('invoice_series = "SMS/{n}/{n}"', "must contain {n} once"),
        ('account = "USMIECH/2"', "must be 1-20 letters, digits"),
    ],
)
def test_bad_series_or_account_is_a_config_error(line: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        config.parse(f"[payments]\n{line}\n", Path("/x/smsremind.toml"))
