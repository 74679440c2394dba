"""The fake Przelewy24 (tests/fakes/p24_server.py) itself, over real HTTP with `requests`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.fakes.p24_server import (
    FIRST_ORDER_ID,
    MISSING,
    P24Server,
    published,
    sign_register,
    sign_verify,
)

UNAUTHORIZED = {"error": "Incorrect authentication", "code": 401}
INVALID = {"error": "Invalid input data", "code": 400}
BAD_SIGN = {"error": "Incorrect sign", "code": 400}
NOT_FOUND = {"error": "Transaction not found", "responseCode": 0}


@pytest.fixture
def p24() -> Iterator[P24Server]:
    with P24Server(merchant_id=123456, pos_id=654321, api_key="secret-key", crc="crc-value") as server:
        yield server


@pytest.fixture
def http(p24: P24Server) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.auth = p24.auth
        yield session


def register_body(p24: P24Server, session_id: str = "topup-1", amount: int = 12300, **extra: Any) -> dict:
    body: dict[str, Any] = {
        "merchantId": p24.merchant_id,
        "posId": p24.pos_id,
        "sessionId": session_id,
        "amount": amount,
        "currency": "PLN",
        "description": "Pakiet 1000 SMS",
        "email": "recepcja@gabinet.pl",
        "country": "PL",
        "language": "pl",
        "urlReturn": "https://www.przelewy24.pl",
        "sign": sign_register(session_id, p24.merchant_id, amount, "PLN", p24.crc),
    }
    body.update(extra)
    return body


def verify_body(p24: P24Server, session_id: str = "topup-1", amount: int = 12300, **extra: Any) -> dict:
    order_id = extra.pop("orderId", p24.transactions[session_id]["orderId"])
    currency = extra.pop("currency", "PLN")
    body = {
        "merchantId": p24.merchant_id,
        "posId": p24.pos_id,
        "sessionId": session_id,
        "amount": amount,
        "currency": currency,
        "orderId": order_id,
        "sign": sign_verify(session_id, order_id, amount, currency, p24.crc),
    }
    body.update(extra)
    return body


def register(http: requests.Session, p24: P24Server, **kwargs: Any) -> requests.Response:
    return http.post(f"{p24.url}/api/v1/transaction/register", json=register_body(p24, **kwargs), timeout=5)


def by_session(http: requests.Session, p24: P24Server, session_id: str = "topup-1") -> requests.Response:
    return http.get(f"{p24.url}/api/v1/transaction/by/sessionId/{session_id}", timeout=5)


def verify(http: requests.Session, p24: P24Server, body: dict) -> requests.Response:
    return http.put(f"{p24.url}/api/v1/transaction/verify", json=body, timeout=5)


# --- sign ----------------------------------------------------------------------------------------


def test_register_sign_matches_the_documented_vector() -> None:
    assert sign_register("sessionId", 999999, 1000, "PLN", "crc") == (
        "a34cf822f00b51d8d75e2d21334d6ffb5f2fac8408574f4cd7d4897f07ed61312244f9875e18ce63a4fbe2668d7ffc30"
    )


@pytest.mark.parametrize(
    ("sign", "text"),
    [
        (
            lambda: sign_verify("sessionId", 999999, 1000, "PLN", "crc"),
            '{"sessionId":"sessionId","orderId":999999,"amount":1000,"currency":"PLN","crc":"crc"}',
        ),
        (
            lambda: sign_register("zażółć/gęślą", 1, 2, "CZK", "čřž/\\"),
            '{"sessionId":"zażółć/gęślą","merchantId":1,"amount":2,"currency":"CZK","crc":"čřž/\\\\"}',
        ),
    ],
    ids=["verify-documented-string", "unicode-and-slashes-unescaped"],
)
def test_sign_is_sha384_of_compact_unescaped_json(sign: Any, text: str) -> None:
    assert sign() == hashlib.sha384(text.encode("utf-8")).hexdigest()


# --- auth ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic " + "NjU0MzIxOndyb25n"},  # 654321:wrong
        {"Authorization": "Basic " + "MTIzNDU2OnNlY3JldC1rZXk="},  # 123456:secret-key (merchantId as user)
        {"Authorization": "Bearer secret-key"},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Basic " + "NjU0MzIx"},  # 654321, no colon
    ],
    ids=["no-header", "wrong-key", "merchant-id-as-user", "bearer", "bad-base64", "no-password"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/testAccess"),
        ("POST", "/api/v1/transaction/register"),
        ("PUT", "/api/v1/transaction/verify"),
        ("GET", "/api/v1/transaction/by/sessionId/topup-1"),
    ],
    ids=["testAccess", "register", "verify", "by-sessionId"],
)
def test_bad_basic_auth_is_401(p24: P24Server, headers: dict, method: str, path: str) -> None:
    body = register_body(p24) if method != "GET" else None
    response = requests.request(method, p24.url + path, headers=headers, json=body, timeout=5)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert p24.transactions == {}


@pytest.mark.parametrize(
    ("auth", "status", "body"),
    [
        (("654321", "secret-key"), 200, {"data": True, "error": ""}),
        (("654321", "other"), 401, UNAUTHORIZED),
        (None, 401, UNAUTHORIZED),
    ],
    ids=["good-auth", "wrong-key", "no-auth"],
)
def test_test_access(p24: P24Server, auth: Any, status: int, body: dict) -> None:
    response = requests.get(f"{p24.url}/api/v1/testAccess", auth=auth, timeout=5)
    assert (response.status_code, response.json()) == (status, body)


def test_pos_id_defaults_to_merchant_id() -> None:
    with P24Server(merchant_id=4242) as p24:
        assert p24.pos_id == 4242
        response = requests.get(f"{p24.url}/api/v1/testAccess", auth=("4242", "api-key"), timeout=5)
        assert response.status_code == 200


# --- register ------------------------------------------------------------------------------------


def test_register_returns_a_token_and_stores_the_transaction(http: requests.Session, p24: P24Server) -> None:
    response = register(http, p24)
    assert response.status_code == 200
    payload = response.json()
    assert set(payload) == {"data", "responseCode"}
    assert payload["responseCode"] == 0
    token = payload["data"]["token"]
    assert token
    transaction = p24.transactions["topup-1"]
    assert transaction["token"] == token
    assert transaction["orderId"] == FIRST_ORDER_ID
    assert transaction["status"] == 0
    assert transaction["verified"] is False
    assert transaction["verify_calls"] == 0
    assert transaction["body"] == register_body(p24)
    assert p24.last_session_id == "topup-1"
    assert register(http, p24, session_id="topup-2").status_code == 200
    assert p24.transactions["topup-2"]["orderId"] == FIRST_ORDER_ID + 1
    page = requests.get(p24.payment_url(token), timeout=5)
    assert page.status_code == 200
    assert "topup-1" in page.text


def test_register_accepts_optional_fields(http: requests.Session, p24: P24Server) -> None:
    response = register(
        http,
        p24,
        urlStatus="https://example.com/p24/status",
        client="Jan Kowalski",
        method=154,
        timeLimit=15,
        waitForResult=True,
        regulationAccept=False,
        language="cs",
    )
    assert response.status_code == 200, p24.requests[-1]["reason"]


# Written out from the P24 documentation on purpose, not imported from the server: the test checks
# the server against the documented list.
REQUIRED = [
    "merchantId",
    "posId",
    "sessionId",
    "amount",
    "currency",
    "description",
    "email",
    "country",
    "language",
    "urlReturn",
    "sign",
]


@pytest.mark.parametrize("field", REQUIRED, ids=[f"missing-{name}" for name in REQUIRED])
def test_register_without_a_required_field_is_400(http: requests.Session, p24: P24Server, field: str) -> None:
    body = register_body(p24)
    del body[field]
    response = http.post(f"{p24.url}/api/v1/transaction/register", json=body, timeout=5)
    assert (response.status_code, response.json()) == (400, INVALID)
    assert p24.requests[-1]["reason"] == f"missing field {field}"
    assert p24.transactions == {}


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "12300"},
        {"amount": 12300.0},
        {"amount": True},
        {"merchantId": "123456"},
        {"posId": 654321.0},
        {"sessionId": 17},
        {"currency": None},
        {"sessionId": "x" * 101},
        {"currency": "PLNX"},
        {"description": ""},
        {"email": "not-an-email"},
        {"country": "POL"},
        {"language": "cz"},
        {"urlReturn": "www.example.com"},
        {"urlStatus": 5},
        {"waitForResult": "true"},
        {"merchantId": 999999},
        {"posId": 123456},
        {"amount": 0},
    ],
    ids=[
        "amount-string",
        "amount-float",
        "amount-bool",
        "merchantId-string",
        "posId-float",
        "sessionId-int",
        "currency-null",
        "sessionId-101-chars",
        "currency-4-chars",
        "description-empty",
        "email-malformed",
        "country-3-chars",
        "language-cz-not-iso",
        "urlReturn-not-http",
        "urlStatus-int",
        "waitForResult-string",
        "merchantId-of-another-account",
        "posId-of-another-account",
        "amount-zero",
    ],
)
def test_register_with_bad_data_is_400(http: requests.Session, p24: P24Server, changes: dict) -> None:
    body = register_body(p24)
    body.update(changes)  # the sign is kept from the good body: the data check must come first
    response = http.post(f"{p24.url}/api/v1/transaction/register", json=body, timeout=5)
    assert (response.status_code, response.json()) == (400, INVALID)
    assert p24.transactions == {}


@pytest.mark.parametrize(
    "body",
    [b"", b"merchantId=123456&amount=100", b"[1, 2]", b"{not json"],
    ids=["empty", "form-encoded", "json-array", "broken-json"],
)
def test_register_needs_a_json_object(http: requests.Session, p24: P24Server, body: bytes) -> None:
    response = http.post(f"{p24.url}/api/v1/transaction/register", data=body, timeout=5)
    assert (response.status_code, response.json()) == (400, INVALID)


@pytest.mark.parametrize(
    "sign",
    [
        lambda p24: sign_register("topup-1", p24.merchant_id, 12300, "PLN", "other-crc"),
        lambda p24: sign_register("topup-1", p24.merchant_id, 12301, "PLN", p24.crc),
        lambda p24: sign_register("topup-1", p24.merchant_id, 12300, "PLN", p24.crc).upper(),
        lambda p24: sign_verify("topup-1", p24.merchant_id, 12300, "PLN", p24.crc)[:-1] + "x",
        lambda p24: hashlib.sha384(
            b'{"sessionId": "topup-1", "merchantId": 123456, "amount": 12300, '
            b'"currency": "PLN", "crc": "crc-value"}'
        ).hexdigest(),
    ],
    ids=["wrong-crc", "other-amount", "uppercase-hex", "garbage", "json-with-spaces"],
)
def test_register_with_a_wrong_sign_is_400(http: requests.Session, p24: P24Server, sign: Any) -> None:
    body = register_body(p24, sign=sign(p24))
    response = http.post(f"{p24.url}/api/v1/transaction/register", json=body, timeout=5)
    assert (response.status_code, response.json()) == (400, BAD_SIGN)
    assert p24.transactions == {}


def test_register_sign_covers_unicode_session_ids(http: requests.Session, p24: P24Server) -> None:
    assert register(http, p24, session_id="doładowanie/č-1").status_code == 200


def test_register_twice_with_the_same_session_id_is_400(http: requests.Session, p24: P24Server) -> None:
    first = register(http, p24)
    assert first.status_code == 200
    second = register(http, p24)
    assert (second.status_code, second.json()) == (400, INVALID)
    assert "already registered" in p24.requests[-1]["reason"]
    assert p24.transactions["topup-1"]["token"] == first.json()["data"]["token"]
    assert len(p24.transactions) == 1


# --- by/sessionId, pay, pay_later ------------------------------------------------------------------


@pytest.mark.parametrize("registered", [False, True], ids=["unknown-session", "registered-unpaid"])
def test_by_session_id_is_404_until_paid(http: requests.Session, p24: P24Server, registered: bool) -> None:
    if registered:
        register(http, p24)
    response = by_session(http, p24)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_by_session_id_after_pay_is_200_with_status_1(http: requests.Session, p24: P24Server) -> None:
    register(http, p24)
    assert p24.pay("topup-1") == FIRST_ORDER_ID
    response = by_session(http, p24)
    assert response.status_code == 200
    payload = response.json()
    assert payload["responseCode"] == 0
    data = payload["data"]
    assert data["orderId"] == FIRST_ORDER_ID
    assert data["sessionId"] == "topup-1"
    assert data["status"] == 1
    assert data["amount"] == 12300
    assert data["currency"] == "PLN"
    assert data["clientEmail"] == "recepcja@gabinet.pl"
    assert data["description"] == "Pakiet 1000 SMS"
    assert isinstance(data["statement"], str) and data["statement"]
    assert isinstance(data["date"], str) and data["date"]
    assert set(data) >= {"dateOfTransaction", "accountMD5", "paymentMethod", "batchId", "fee"}


def test_answers_have_the_shape_of_the_librarys_fixtures(http: requests.Session, p24: P24Server) -> None:
    """Same keys and JSON types as mnastalski/przelewy24-php's register and by/sessionId fixtures,
    dates as yyyyMMddHHmm ("202212020025"), not "2026-11-20 10:00:00" as this fake once sent."""
    published_register = published("p24_register_response.json")
    answer = register(http, p24).json()
    assert set(answer) == set(published_register) and set(answer["data"]) == set(published_register["data"])
    p24.pay("topup-1")
    data = by_session(http, p24).json()["data"]
    fixture = published("p24_transaction_by_session.json")["data"]
    assert set(data) == set(fixture)
    assert {k: type(v) for k, v in data.items()} == {k: type(v) for k, v in fixture.items()}
    for key in ("date", "dateOfTransaction"):
        assert len(data[key]) == len(fixture[key]) == 12 and data[key].isdigit(), data[key]


def test_hostile_modes_tamper_status_2_and_redirect(http: requests.Session, p24: P24Server) -> None:
    register(http, p24)
    p24.pay("topup-1", status=2)
    p24.tamper(orderId=MISSING, amount="12300")
    data = by_session(http, p24).json()["data"]
    assert "orderId" not in data and data["amount"] == "12300" and data["status"] == 2
    assert p24.transactions["topup-1"]["verified"] is False  # "payment made", yet nobody verified
    p24.redirect("http://127.0.0.1:9/elsewhere", 302)
    response = http.get(f"{p24.url}/api/v1/testAccess", timeout=5, allow_redirects=False)
    assert (response.status_code, response.headers["Location"]) == (302, "http://127.0.0.1:9/elsewhere")


def test_pay_without_session_id_pays_the_last_registered(http: requests.Session, p24: P24Server) -> None:
    register(http, p24, session_id="a")
    register(http, p24, session_id="b")
    p24.pay()
    assert (p24.transactions["a"]["status"], p24.transactions["b"]["status"]) == (0, 1)


def test_pay_of_an_unknown_session_raises(p24: P24Server) -> None:
    with pytest.raises(KeyError):
        p24.pay("nope")


def test_session_id_in_the_path_is_url_decoded(http: requests.Session, p24: P24Server) -> None:
    register(http, p24, session_id="doładowanie 7")
    p24.pay()
    response = by_session(http, p24, "do%C5%82adowanie%207")
    assert response.status_code == 200
    assert response.json()["data"]["sessionId"] == "doładowanie 7"


def test_pay_later_after_two_polls(http: requests.Session, p24: P24Server) -> None:
    register(http, p24)
    p24.pay_later("topup-1", after_polls=2)
    statuses = [by_session(http, p24).status_code for _ in range(4)]
    assert statuses == [404, 404, 200, 200]
    assert p24.transactions["topup-1"]["polls"] == 4


@pytest.mark.parametrize("session_id", ["topup-1", None], ids=["named-before-register", "any-later"])
def test_pay_later_before_registration(
    http: requests.Session, p24: P24Server, session_id: str | None
) -> None:
    p24.pay_later(session_id, after_polls=1)
    register(http, p24)
    assert [by_session(http, p24).status_code for _ in range(2)] == [404, 200]


def test_paying_another_amount_shows_it_and_verify_refuses(http: requests.Session, p24: P24Server) -> None:
    register(http, p24)
    p24.pay(amount=100)
    assert by_session(http, p24).json()["data"]["amount"] == 100
    response = verify(http, p24, verify_body(p24))
    assert (response.status_code, response.json()) == (400, INVALID)
    assert p24.transactions["topup-1"]["status"] == 1


# --- verify --------------------------------------------------------------------------------------


def test_verify_with_the_right_sign_succeeds(http: requests.Session, p24: P24Server) -> None:
    register(http, p24)
    order_id = p24.pay()
    response = verify(http, p24, verify_body(p24, orderId=order_id))
    assert response.status_code == 200
    assert response.json() == {"data": {"status": "success"}, "responseCode": 0}
    transaction = p24.transactions["topup-1"]
    assert (transaction["status"], transaction["verified"], transaction["verify_calls"]) == (2, True, 1)
    assert by_session(http, p24).json()["data"]["status"] == 2


@pytest.mark.parametrize(
    ("make_body", "error"),
    [
        (lambda p24: verify_body(p24, sign=verify_body(p24, amount=1)["sign"]), BAD_SIGN),
        (
            lambda p24: verify_body(
                p24, sign=sign_register("topup-1", p24.merchant_id, 12300, "PLN", p24.crc)
            ),
            BAD_SIGN,
        ),
        (lambda p24: verify_body(p24, amount=12299), INVALID),
        (lambda p24: verify_body(p24, orderId=FIRST_ORDER_ID + 5), INVALID),
        (lambda p24: verify_body(p24, currency="EUR"), INVALID),
        (lambda p24: {**verify_body(p24), "amount": "12300"}, INVALID),
        (lambda p24: {k: v for k, v in verify_body(p24).items() if k != "orderId"}, INVALID),
        (lambda p24: verify_body(p24, merchantId=1), INVALID),
    ],
    ids=[
        "sign-of-other-amount",
        "register-sign",
        "wrong-amount",
        "wrong-orderId",
        "wrong-currency",
        "amount-string",
        "missing-orderId",
        "other-merchant",
    ],
)
def test_verify_with_bad_data_is_400(
    http: requests.Session, p24: P24Server, make_body: Any, error: dict
) -> None:
    register(http, p24)
    p24.pay()
    response = verify(http, p24, make_body(p24))
    assert (response.status_code, response.json()) == (400, error)
    assert p24.transactions["topup-1"]["status"] == 1
    assert p24.transactions["topup-1"]["verified"] is False


def test_verify_of_an_unknown_session_is_400(http: requests.Session, p24: P24Server) -> None:
    body = {
        "merchantId": p24.merchant_id,
        "posId": p24.pos_id,
        "sessionId": "ghost",
        "amount": 100,
        "currency": "PLN",
        "orderId": FIRST_ORDER_ID,
        "sign": sign_verify("ghost", FIRST_ORDER_ID, 100, "PLN", p24.crc),
    }
    response = verify(http, p24, body)
    assert (response.status_code, response.json()) == (400, INVALID)


def test_verify_of_an_unpaid_transaction_is_400(http: requests.Session, p24: P24Server) -> None:
    register(http, p24)
    response = verify(http, p24, verify_body(p24))
    assert (response.status_code, response.json()) == (400, INVALID)
    assert p24.transactions["topup-1"]["verify_calls"] == 1
    assert p24.transactions["topup-1"]["status"] == 0


# --- failures, outages, log ------------------------------------------------------------------------


def test_fail_next_answers_500_once_then_normally(http: requests.Session, p24: P24Server) -> None:
    p24.fail_next("/transaction/register")
    first = register(http, p24)
    assert (first.status_code, first.json()) == (500, {"error": "Undefined error", "code": 500})
    assert p24.transactions == {}
    assert register(http, p24).status_code == 200


def test_fail_next_with_status_body_and_times(http: requests.Session, p24: P24Server) -> None:
    register(http, p24)
    p24.fail_next("by/sessionId", status=502, body="<html>Bad Gateway</html>", times=2)
    assert http.get(f"{p24.url}/api/v1/testAccess", timeout=5).status_code == 200  # path does not match
    answers = [by_session(http, p24) for _ in range(3)]
    assert [a.status_code for a in answers] == [502, 502, 404]
    assert answers[0].text == "<html>Bad Gateway</html>"
    assert answers[0].headers["Content-Type"].startswith("text/plain")
    assert p24.transactions["topup-1"]["polls"] == 1  # failed polls never reached the fake's logic


def test_down_drops_the_connection_until_up(http: requests.Session, p24: P24Server) -> None:
    assert http.get(f"{p24.url}/api/v1/testAccess", timeout=5).status_code == 200  # a kept-alive connection
    p24.down()
    with pytest.raises(requests.ConnectionError):
        http.get(f"{p24.url}/api/v1/testAccess", timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{p24.url}/api/v1/transaction/register", json=register_body(p24), auth=p24.auth, timeout=5
        )
    assert p24.transactions == {}
    assert p24.requests[-1]["status"] is None
    p24.up()
    assert register(http, p24).status_code == 200


def test_down_with_a_status_answers_it(http: requests.Session, p24: P24Server) -> None:
    p24.down(status=503)
    response = http.get(f"{p24.url}/api/v1/testAccess", timeout=5)
    assert (response.status_code, response.json()) == (503, {"error": "Service Unavailable", "code": 503})


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v2/transaction/register", 404),
        ("GET", "/api/v1/transaction/register", 405),
        ("POST", "/api/v1/transaction/verify", 405),
        ("GET", "/trnRequest/NO-SUCH-TOKEN", 404),
    ],
    ids=["unknown-path", "register-with-GET", "verify-with-POST", "payment-page-unknown-token"],
)
def test_unknown_routes(http: requests.Session, p24: P24Server, method: str, path: str, status: int) -> None:
    assert http.request(method, p24.url + path, timeout=5).status_code == status


def test_every_request_is_logged(http: requests.Session, p24: P24Server) -> None:
    register(http, p24)
    by_session(http, p24)
    requests.get(f"{p24.url}/api/v1/testAccess", timeout=5)
    assert [(r["method"], r["path"], r["status"]) for r in p24.requests] == [
        ("POST", "/api/v1/transaction/register", 200),
        ("GET", "/api/v1/transaction/by/sessionId/topup-1", 404),
        ("GET", "/api/v1/testAccess", 401),
    ]
    first = p24.requests[0]
    assert first["json"] == register_body(p24)
    assert first["headers"]["Authorization"].startswith("Basic ")
    assert first["headers"]["Content-Type"] == "application/json"
    assert first["response"]["responseCode"] == 0
    assert p24.requests[1]["json"] is None
    assert p24.requests[1]["reason"] == "not paid yet"


def test_nothing_is_served_after_the_block() -> None:
    with P24Server() as p24, requests.Session() as session:
        url = f"{p24.url}/api/v1/testAccess"
        assert session.get(url, auth=p24.auth, timeout=5).status_code == 200
    with pytest.raises(requests.ConnectionError):
        session.get(url, auth=("999999", "api-key"), timeout=5)
