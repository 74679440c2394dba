"""Answers and sign vectors published with mnastalski/przelewy24-php, replayed through our code.

The fixture files in tests/fakes/fixtures/ are transcribed from that library's tests; each names its
source repo, path and commit in its ``_source`` key.  They are served by a local HTTP server that
checks our Basic auth, so the client parses exactly those bytes.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from smsremind.config import Payments
from smsremind.money.payments import przelewy24 as p24mod
from smsremind.money.payments.przelewy24 import Przelewy24, Transaction
from tests.fakes import p24_server
from tests.fakes.p24_server import published as fixture

VECTORS = fixture("p24_sign_vectors.json")["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"].split(" (")[0] for v in VECTORS])
def test_sign_matches_the_librarys_published_vectors(vector: dict[str, Any]) -> None:
    assert p24mod.sign(vector["params"]) == vector["sign"]
    assert p24_server._sign(list(vector["params"].items())) == vector["sign"]  # the fake signs alike


def test_sign_text_keeps_unicode_and_slashes_like_json_unescaped_unicode_and_slashes() -> None:
    [generic] = [v for v in VECTORS if "json" in v]
    text = json.dumps(generic["params"], separators=(",", ":"), ensure_ascii=False)
    assert text == generic["json"]


@pytest.fixture
def client(httpserver: HTTPServer) -> Przelewy24:
    cfg = Payments(
        merchant_id=12345, pos_id=123, api_key="reports-key", crc="bar", base_url=httpserver.url_for("")
    )
    return Przelewy24(cfg)


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_register_answer_gives_the_token_and_the_payment_link(
    httpserver: HTTPServer, client: Przelewy24
) -> None:
    httpserver.expect_oneshot_request(
        "/api/v1/transaction/register", method="POST", headers=basic("123", "reports-key")
    ).respond_with_json(fixture("p24_register_response.json"))
    token = client.register(
        session_id="0beec7",
        amount=1500,
        currency="PLN",
        description="Pakiet 100 SMS",
        email="kierownik@gabinet.pl",
        country="PL",
        language="pl",
    )
    assert token == "foo"
    assert client.link(token) == httpserver.url_for("/trnRequest/foo")  # base + "trnRequest/" + token
    httpserver.check_assertions()


def test_by_session_id_answer_parses_to_the_transaction(httpserver: HTTPServer, client: Przelewy24) -> None:
    httpserver.expect_oneshot_request(
        "/api/v1/transaction/by/sessionId/0beec7", method="GET", headers=basic("123", "reports-key")
    ).respond_with_json(fixture("p24_transaction_by_session.json"))
    assert client.status("0beec7") == Transaction(
        session_id="0beec7", order_id=123456789, status=1, amount=1500, currency="PLN"
    )
    httpserver.check_assertions()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"orderId": None}, "orderId is NoneType None"),
        ({"amount": "1500"}, "amount is str '1500'"),
        ({"amount": 1500.0}, "amount is float 1500.0"),
        ({"status": True}, "status is bool True"),
    ],
)
def test_the_same_answer_with_one_field_spoiled_is_one_clear_error(
    httpserver: HTTPServer, client: Przelewy24, change: dict[str, Any], message: str
) -> None:
    doc = fixture("p24_transaction_by_session.json")
    doc["data"].update(change)
    httpserver.expect_oneshot_request("/api/v1/transaction/by/sessionId/0beec7").respond_with_json(doc)
    with pytest.raises(p24mod.PaymentError, match=f"unreadable transaction status: {message}"):
        client.status("0beec7")
