"""The fake SMSAPI.pl (tests/fakes/fake_smsapi.py) itself, over real HTTP with `requests`."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.fakes.fake_smsapi import ERRORS, FIRST_ID, GARBAGE_BODY, FakeSmsapi, sms_parts

NUMBER = "48601234567"
ITEM_KEYS = {"id", "points", "number", "date_sent", "submitted_number", "status", "error", "idx"}


@pytest.fixture
def fake() -> Iterator[FakeSmsapi]:
    with FakeSmsapi() as server:
        yield server


def send(
    fake: FakeSmsapi,
    token: str | None = "test-token",
    timeout: float = 5,
    method: str = "POST",
    **params: Any,
) -> requests.Response:
    """One sms.do submission with the parameters our client sends; None values are left out."""
    data: dict[str, Any] = {
        "to": NUMBER,
        "message": "Przypomnienie: wizyta jutro o 10:00",
        "from": "Gabinet",
        "format": "json",
        "encoding": "utf-8",
    }
    data.update(params)
    data = {k: v for k, v in data.items() if v is not None}
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    url = f"{fake.url}/sms.do"
    if method == "GET":
        return requests.get(url, params=data, headers=headers, timeout=timeout)
    return requests.post(url, data=data, headers=headers, timeout=timeout)


def status_of(fake: FakeSmsapi, gateway_id: str, token: str = "test-token") -> requests.Response:
    return requests.get(
        f"{fake.url}/sms.do",
        params={"status": gateway_id, "format": "json"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


def assert_error(response: requests.Response, code: int) -> dict[str, Any]:
    assert response.status_code == 200
    doc = response.json()
    assert doc["error"] == code, doc
    assert doc["message"] == ERRORS[code]
    return doc


# --- success --------------------------------------------------------------------------------


def test_success_has_the_documented_shape(fake: FakeSmsapi) -> None:
    before = int(time.time())
    response = send(fake, idx="r-17", check_idx="1")
    detailed = send(fake, idx="r-18", details="1").json()

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    doc = response.json()
    assert set(doc) == {"count", "list"}
    assert doc["count"] == 1
    [item] = doc["list"]
    assert set(item) == ITEM_KEYS
    assert item["id"] == str(FIRST_ID) and len(item["id"]) == 19
    assert item["points"] == 0.16
    assert item["number"] == item["submitted_number"] == NUMBER
    assert item["status"] == "QUEUE"
    assert item["error"] is None
    assert item["idx"] == "r-17"
    assert set(detailed["list"][0]) == ITEM_KEYS | {"parts"}  # details=1: the parts it billed
    assert detailed["list"][0]["parts"] == 1
    assert before <= item["date_sent"] <= time.time() + 1

    sent, _ = fake.accepted
    assert set(sent) == {"id", "to", "text", "sender", "key", "parts", "at"}
    assert sent["id"] == item["id"]
    assert sent["to"] == NUMBER
    assert sent["text"] == "Przypomnienie: wizyta jutro o 10:00"
    assert sent["sender"] == "Gabinet"
    assert sent["key"] == "r-17"
    assert sent["parts"] == 1
    assert fake.points == pytest.approx(100000 - 2 * 0.16)


def test_each_message_gets_its_own_id(fake: FakeSmsapi) -> None:
    ids = [send(fake).json()["list"][0]["id"] for _ in range(3)]
    assert ids == [str(FIRST_ID), str(FIRST_ID + 1), str(FIRST_ID + 2)]
    assert [m["id"] for m in fake.accepted] == ids
    assert [m["key"] for m in fake.accepted] == [None, None, None]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        pytest.param("a" * 160, 1, id="gsm7-160-one-part"),
        pytest.param("a" * 161, 2, id="gsm7-161-two-parts"),
        pytest.param("a" * 306, 2, id="gsm7-306-two-parts"),
        pytest.param("a" * 307, 3, id="gsm7-307-three-parts"),
        pytest.param("€" * 80, 1, id="extension-80-euro-is-160-septets"),
        pytest.param("€" * 80 + "a", 2, id="extension-80-euro-plus-one"),
        pytest.param("a" * 159 + "{", 2, id="extension-brace-at-the-end-costs-two"),
        pytest.param("a" * 152 + "€" + "a" * 152, 3, id="extension-never-split-between-parts"),
        pytest.param("ż" * 70, 1, id="ucs2-70-one-part"),
        pytest.param("ż" * 71, 2, id="ucs2-71-two-parts"),
        pytest.param("a" * 69 + "ó", 1, id="ucs2-one-polish-letter-makes-it-ucs2-70"),
        pytest.param("a" * 70 + "ę", 2, id="ucs2-one-polish-letter-makes-it-ucs2-71"),
        pytest.param("ż" * 134, 2, id="ucs2-134-two-parts"),
        pytest.param("ż" * 135, 3, id="ucs2-135-three-parts"),
        pytest.param("😀" * 35, 1, id="ucs2-emoji-counts-two-units"),
        pytest.param("Zażółć gęślą jaźń", 1, id="polish-sentence"),
    ],
)
def test_parts_are_counted_honestly(fake: FakeSmsapi, text: str, parts: int) -> None:
    assert sms_parts(text) == parts
    item = send(fake, message=text, details="1").json()["list"][0]
    assert item["parts"] == parts
    assert item["points"] == pytest.approx(parts * 0.16)
    assert fake.accepted[0]["text"] == text
    assert fake.accepted[0]["parts"] == parts


@pytest.mark.parametrize(
    ("text", "length", "parts"),
    [
        pytest.param("Wizyta jutro", 12, 1, id="gsm7"),
        pytest.param("Cena: 10€ [x]", 16, 1, id="gsm7-extension-counts-two"),
        pytest.param("Wizyta w środę", 14, 1, id="ucs2"),
    ],
)
def test_details_add_message_length_and_parts(fake: FakeSmsapi, text: str, length: int, parts: int) -> None:
    doc = send(fake, message=text, details="1").json()
    assert doc["message"] == text
    assert doc["length"] == length
    assert doc["parts"] == parts
    assert doc["list"][0]["parts"] == parts


def test_get_with_query_string_sends_too(fake: FakeSmsapi) -> None:
    doc = send(fake, method="GET", message="Wizyta w środę").json()
    assert doc["count"] == 1
    assert fake.accepted[0]["text"] == "Wizyta w środę"


def test_json_body_is_accepted(fake: FakeSmsapi) -> None:
    response = requests.post(
        f"{fake.url}/sms.do?format=json",
        json={"to": NUMBER, "message": "Wizyta w środę", "from": "Gabinet", "idx": "j-1", "check_idx": True},
        headers={"Authorization": "Bearer test-token"},
        timeout=5,
    )
    assert response.json()["list"][0]["idx"] == "j-1"
    assert fake.accepted[0]["text"] == "Wizyta w środę"
    assert fake.requests[0]["params"]["check_idx"] == "1"


def test_encoding_decides_how_the_form_is_decoded(fake: FakeSmsapi) -> None:
    headers = {"Authorization": "Bearer test-token"}
    body = "to=48601234567&format=json&message=" + quote("śr", encoding="cp1250")  # %9Cr
    response = requests.post(
        f"{fake.url}/sms.do",
        data=body.encode("ascii"),
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert response.json()["count"] == 1
    assert fake.accepted[0]["text"] == "śr"  # no encoding parameter: windows-1250

    send(fake, message="środa")  # encoding=utf-8
    assert fake.accepted[1]["text"] == "środa"


def test_without_format_json_the_answer_is_plain_text(fake: FakeSmsapi) -> None:
    response = send(fake, format=None)
    assert response.text == f"OK:{FIRST_ID}:0.16"
    assert send(fake, format=None, token="wrong").text == "ERROR:101"


def test_several_recipients_are_sent_one_message_each(fake: FakeSmsapi) -> None:
    doc = send(fake, to="48601234567,+48 602 345 678,48100200300", idx="a|b|c").json()
    assert doc["count"] == 2
    assert [i["number"] for i in doc["list"]] == ["48601234567", "48602345678"]
    assert [i["submitted_number"] for i in doc["list"]] == ["48601234567", "+48 602 345 678"]
    assert [(m["to"], m["key"]) for m in fake.accepted] == [("48601234567", "a"), ("48602345678", "b")]


def test_a_number_twice_in_one_request_is_sent_once_unless_allowed(fake: FakeSmsapi) -> None:
    assert send(fake, to=f"{NUMBER},{NUMBER}").json()["count"] == 1
    assert send(fake, to=f"{NUMBER},{NUMBER}", allow_duplicates="1").json()["count"] == 2
    assert len(fake.accepted) == 3


@pytest.mark.parametrize(
    ("submitted", "number"),
    [
        pytest.param("48601234567", "48601234567", id="e164-digits"),
        pytest.param("+48601234567", "48601234567", id="plus"),
        pytest.param("0048601234567", "48601234567", id="double-zero"),
        pytest.param("+48 601-234-567", "48601234567", id="spaces-and-dashes"),
        pytest.param("601234567", "48601234567", id="national-nine-digits"),
        pytest.param("420603123456", "420603123456", id="czech-mobile"),
        pytest.param("4915112345678", "4915112345678", id="other-country"),
    ],
)
def test_numbers_are_normalized(fake: FakeSmsapi, submitted: str, number: str) -> None:
    item = send(fake, to=submitted).json()["list"][0]
    assert item["number"] == number
    assert item["submitted_number"] == submitted
    assert fake.accepted[0]["to"] == number


def test_without_from_the_first_sender_is_used(fake: FakeSmsapi) -> None:
    send(fake, **{"from": None})
    assert fake.accepted[0]["sender"] == "Gabinet"


def test_points_are_charged_per_part(fake: FakeSmsapi) -> None:
    fake.points = 1.0
    send(fake, message="a" * 161)
    assert fake.points == pytest.approx(1.0 - 2 * 0.16)


# --- business errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [pytest.param(None, id="no-authorization-header"), pytest.param("wrong-token", id="wrong-token")],
)
def test_bad_token_is_error_101(fake: FakeSmsapi, token: str | None) -> None:
    assert_error(send(fake, token=token), 101)
    assert fake.accepted == []


def test_basic_auth_is_not_a_bearer_token(fake: FakeSmsapi) -> None:
    response = requests.post(
        f"{fake.url}/sms.do",
        data={"to": NUMBER, "message": "x", "format": "json"},
        auth=("a", "b"),
        timeout=5,
    )
    assert_error(response, 101)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param({"to": None}, 8, id="missing-to-is-8"),
        pytest.param({"to": " "}, 8, id="blank-to-is-8"),
        pytest.param({"message": None}, 11, id="missing-message-is-11"),
        pytest.param({"message": ""}, 11, id="empty-message-is-11"),
        pytest.param({"message": "a" * 919}, 11, id="seven-gsm7-parts-is-11"),
        pytest.param({"message": "ż" * 403}, 11, id="seven-ucs2-parts-is-11"),
        pytest.param({"message": "środa", "nounicode": "1"}, 11, id="nounicode-with-polish-is-11"),
        pytest.param({"message": "a" * 161, "max_parts": "1"}, 12, id="over-max-parts-is-12"),
        pytest.param({"from": "Nieznany"}, 14, id="unknown-sender-is-14"),
        pytest.param({"idx": "a|b"}, 20, id="two-idx-for-one-recipient-is-20"),
        pytest.param({"idx": "x" * 256}, 27, id="idx-over-255-is-27"),
        pytest.param({"group": "pacjenci"}, 40, id="group-is-40"),
        pytest.param({"template": "przypomnienie"}, 104, id="template-is-104"),
        pytest.param({"encoding": "koi8-r"}, 8, id="unknown-encoding-is-8"),
    ],
)
def test_request_errors(fake: FakeSmsapi, params: dict[str, Any], code: int) -> None:
    assert_error(send(fake, **params), code)
    assert fake.accepted == []
    assert fake.requests[0]["error"] == code
    assert fake.requests[0]["reason"]


def test_the_longest_messages_still_fit(fake: FakeSmsapi) -> None:
    assert send(fake, message="a" * 918, details="1").json()["list"][0]["parts"] == 6
    assert send(fake, message="ż" * 402, details="1").json()["list"][0]["parts"] == 6


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("48100200300", id="polish-not-mobile"),
        pytest.param("4860123456", id="polish-too-short"),
        pytest.param("486012345678", id="polish-too-long"),
        pytest.param("420203123456", id="czech-landline"),
        pytest.param("abc", id="not-digits"),
        pytest.param("1234567", id="too-short"),
    ],
)
def test_invalid_number_is_error_13(fake: FakeSmsapi, number: str) -> None:
    doc = assert_error(send(fake, to=number), 13)
    assert doc["invalid_numbers"] == [
        {
            "number": number,  # not a number SMSAPI can normalize: given back as submitted
            "submitted_number": number,
            "message": "Invalid phone number",
        }
    ]
    assert fake.accepted == []


@pytest.mark.parametrize(
    "marked", [pytest.param(NUMBER, id="digits"), pytest.param(f"+{NUMBER}", id="with-plus")]
)
def test_invalid_numbers_set_is_refused_with_13(fake: FakeSmsapi, marked: str) -> None:
    fake.invalid_numbers.add(marked)
    doc = assert_error(send(fake), 13)
    assert doc["invalid_numbers"] == [
        {"number": NUMBER, "submitted_number": NUMBER, "message": "Invalid phone number"}
    ]
    assert send(fake, to="48602345678").json()["count"] == 1


def test_out_of_points_is_error_103() -> None:
    with FakeSmsapi(points=0.2) as fake:
        assert send(fake, message="a" * 161).json()["error"] == 103  # 2 parts: 0.32 points
        assert fake.accepted == []
        assert fake.points == 0.2
        assert send(fake, message="a" * 160).json()["count"] == 1
        assert fake.points == pytest.approx(0.04)
        assert_error(send(fake), 103)


def test_idx_already_accepted_with_check_idx_is_error_53(fake: FakeSmsapi) -> None:
    first = send(fake, idx="r-1", check_idx="1")
    assert first.json()["count"] == 1

    again = send(fake, idx="r-1", check_idx="1")
    assert_error(again, 53)
    assert [m["key"] for m in fake.accepted] == ["r-1"]
    assert fake.points == pytest.approx(100000 - 0.16)

    assert send(fake, idx="r-2", check_idx="1").json()["count"] == 1
    assert [m["key"] for m in fake.accepted] == ["r-1", "r-2"]


def test_idx_is_forgotten_after_24_hours(fake: FakeSmsapi) -> None:
    """check_idx: "more than one message with the same idx in last 24h" (SMSAPI's OpenAPI document)."""
    assert send(fake, idx="r-1", check_idx="1").json()["count"] == 1
    fake.advance(23.9 * 3600)
    assert_error(send(fake, idx="r-1", check_idx="1"), 53)
    fake.advance(0.2 * 3600)
    assert send(fake, idx="r-1", check_idx="1").json()["count"] == 1
    assert [m["key"] for m in fake.accepted] == ["r-1", "r-1"]


def test_bill_parts_is_what_details_report_and_points_charge(fake: FakeSmsapi) -> None:
    fake.bill_parts = 2
    doc = send(fake, message="krótko", details="1").json()
    assert doc["parts"] == doc["list"][0]["parts"] == 2
    assert doc["list"][0]["points"] == pytest.approx(0.32) and fake.accepted[0]["parts"] == 2


def test_idx_without_check_idx_is_sent_again(fake: FakeSmsapi) -> None:
    send(fake, idx="r-1")
    send(fake, idx="r-1")
    assert [m["key"] for m in fake.accepted] == ["r-1", "r-1"]


def test_check_idx_holds_under_concurrency(fake: FakeSmsapi) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: send(fake, idx="same", check_idx="1").json(), range(8)))
    assert sorted(a.get("error", 0) for a in answers) == [0] + [53] * 7
    assert [m["key"] for m in fake.accepted] == ["same"]


def test_test_mode_validates_but_sends_nothing(fake: FakeSmsapi) -> None:
    doc = send(fake, test="1", idx="t-1", check_idx="1").json()
    assert doc["count"] == 1
    assert set(doc["list"][0]) == ITEM_KEYS
    assert fake.accepted == []
    assert fake.points == 100000.0
    assert_error(status_of(fake, doc["list"][0]["id"]), 400)
    # the idx was not used up: the real message goes out
    assert send(fake, idx="t-1", check_idx="1").json()["count"] == 1
    # and test mode still refuses what a real send would refuse
    assert_error(send(fake, test="1", token="wrong"), 101)
    assert_error(send(fake, test="1", to="48100200300"), 13)
    assert_error(send(fake, test="1", idx="t-1", check_idx="1"), 53)


def test_what_our_client_sends_for_gateway_check_passes(fake: FakeSmsapi) -> None:
    response = requests.post(
        f"{fake.url}/sms.do",
        data={"to": "48500000000", "message": "test", "format": "json", "test": "1"},
        headers={"Authorization": "Bearer test-token"},
        timeout=5,
    )
    assert response.json()["count"] == 1
    assert fake.accepted == []


# --- faults ---------------------------------------------------------------------------------


def test_fail_next_gives_the_status_and_sends_nothing(fake: FakeSmsapi) -> None:
    fake.fail_next()
    response = send(fake)
    assert response.status_code == 500
    assert "500 Internal Server Error" in response.text
    assert fake.accepted == []
    assert send(fake).json()["count"] == 1
    assert [r["status"] for r in fake.requests] == [500, 200]
    assert fake.requests[0]["fault"] == "fail"


def test_fail_next_several_times_with_a_json_body(fake: FakeSmsapi) -> None:
    fake.fail_next(status=503, times=2, body={"message": "maintenance"})
    for _ in range(2):
        response = send(fake)
        assert response.status_code == 503
        assert response.json() == {"message": "maintenance"}
    assert send(fake).status_code == 200
    assert len(fake.accepted) == 1


def test_rate_limit_next_is_429_and_sends_nothing(fake: FakeSmsapi) -> None:
    fake.rate_limit_next(times=2)
    for _ in range(2):
        response = send(fake)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "1"
    assert fake.accepted == []
    assert send(fake).json()["count"] == 1


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(102, id="102-wrong-login"),
        pytest.param(105, id="105-ip-not-allowed"),
        pytest.param(200, id="200-unsuccessful-submission"),
        pytest.param(201, id="201-internal-error"),
        pytest.param(202, id="202-too-many-simultaneous"),
        pytest.param(999, id="999-internal-system-error"),
    ],
)
def test_business_error_next(fake: FakeSmsapi, code: int) -> None:
    fake.business_error_next(code)
    assert_error(send(fake, idx="r-1", check_idx="1"), code)
    assert fake.accepted == []
    # nothing was sent, so the idx is still free
    assert send(fake, idx="r-1", check_idx="1").json()["count"] == 1


def test_accept_then_hang_times_out_after_the_message_went_out(fake: FakeSmsapi) -> None:
    fake.accept_then_hang_next(1.0)
    with pytest.raises(requests.Timeout):
        send(fake, timeout=0.2, idx="r-1", check_idx="1")
    [sent] = fake.accepted
    assert sent["key"] == "r-1"
    # the retry learns that the first attempt got through
    assert_error(send(fake, idx="r-1", check_idx="1"), 53)
    assert len(fake.accepted) == 1


def test_a_hanging_request_does_not_block_others(fake: FakeSmsapi) -> None:
    fake.accept_then_hang_next(2.0)

    def slow() -> None:
        with contextlib.suppress(requests.RequestException):  # stop() at teardown cuts it short
            send(fake, timeout=3, idx="slow")

    hanging = threading.Thread(target=slow, daemon=True)
    hanging.start()
    while not fake.accepted:
        time.sleep(0.01)
    started = time.monotonic()
    assert send(fake, idx="fast").json()["count"] == 1
    assert status_of(fake, fake.accepted[0]["id"]).status_code == 200
    assert time.monotonic() - started < 1.0
    assert [m["key"] for m in fake.accepted] == ["slow", "fast"]


def test_accept_then_drop_closes_after_accepting(fake: FakeSmsapi) -> None:
    fake.accept_then_drop_next()
    with pytest.raises(requests.ConnectionError):
        send(fake, idx="r-1")
    assert [m["key"] for m in fake.accepted] == ["r-1"]
    assert fake.requests[0]["status"] is None
    assert fake.requests[0]["t_end"] is not None


def test_drop_next_closes_without_accepting(fake: FakeSmsapi) -> None:
    fake.drop_next(times=2)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            send(fake)
    assert fake.accepted == []
    assert send(fake).json()["count"] == 1


@pytest.mark.parametrize(
    ("accepted", "count"), [pytest.param(True, 1, id="accepted"), pytest.param(False, 0, id="not-accepted")]
)
def test_garbage_next(fake: FakeSmsapi, accepted: bool, count: int) -> None:
    fake.garbage_next(accepted=accepted)
    response = send(fake)
    assert response.status_code == 200
    assert response.text == GARBAGE_BODY
    with pytest.raises(requests.JSONDecodeError):
        response.json()
    assert len(fake.accepted) == count


def test_faults_are_used_in_the_order_given(fake: FakeSmsapi) -> None:
    fake.fail_next(status=502)
    fake.rate_limit_next()
    fake.business_error_next(202)
    assert send(fake).status_code == 502
    assert send(fake).status_code == 429
    assert send(fake).json()["error"] == 202
    assert send(fake).json()["count"] == 1
    assert [r["fault"] for r in fake.requests] == ["fail", "rate_limit", "business", None]


def test_status_queries_and_profile_take_no_fault(fake: FakeSmsapi) -> None:
    gateway_id = send(fake).json()["list"][0]["id"]
    fake.fail_next()
    assert status_of(fake, gateway_id).status_code == 200
    assert requests.get(f"{fake.url}/profile", headers={"Authorization": "Bearer test-token"}, timeout=5).ok
    assert send(fake).status_code == 500


def test_reset_faults_forgets_rules_and_delay(fake: FakeSmsapi) -> None:
    fake.fail_next(times=5)
    fake.drop_next()
    fake.delay(1.0)
    fake.reset_faults()
    started = time.monotonic()
    assert send(fake).json()["count"] == 1
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda f: f.fail_next(times=0), id="fail-next-times-0"),
        pytest.param(lambda f: f.business_error_next(0), id="business-error-0"),
        pytest.param(lambda f: f.accept_then_hang_next(-1), id="negative-hang"),
        pytest.param(lambda f: f.delay(-0.1), id="negative-delay"),
    ],
)
def test_bad_control_arguments_are_refused(fake: FakeSmsapi, call: Any) -> None:
    with pytest.raises(ValueError):
        call(fake)


# --- delay, concurrency, lifecycle ----------------------------------------------------------


def test_delay_is_served_concurrently(fake: FakeSmsapi) -> None:
    fake.delay(0.2)

    def one(i: int) -> float:
        started = time.monotonic()
        assert send(fake, idx=f"c-{i}", check_idx="1").json()["count"] == 1
        return time.monotonic() - started

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        each = list(pool.map(one, range(8)))
    total = time.monotonic() - started
    assert min(each) >= 0.2
    assert total < 0.8  # sequentially it would take 8 x 0.2 = 1.6 s
    assert sorted(m["key"] for m in fake.accepted) == [f"c-{i}" for i in range(8)]


def test_stop_does_not_wait_for_a_hanging_request() -> None:
    fake = FakeSmsapi().start()
    fake.accept_then_hang_next(30)
    with pytest.raises(requests.Timeout):
        send(fake, timeout=0.2)
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2
    assert len(fake.accepted) == 1


def test_stop_closes_kept_alive_connections() -> None:
    fake = FakeSmsapi().start()
    url = fake.url
    with requests.Session() as session:
        session.headers["Authorization"] = "Bearer test-token"
        assert session.post(f"{url}/sms.do", data={"to": NUMBER, "message": "x"}, timeout=5).ok
        fake.stop()
        with pytest.raises(requests.ConnectionError):
            session.post(f"{url}/sms.do", data={"to": NUMBER, "message": "x"}, timeout=5)
    with pytest.raises(RuntimeError):
        _ = fake.url


def test_the_request_log(fake: FakeSmsapi) -> None:
    send(fake, idx="r-1", check_idx="1")
    send(fake, idx="r-1", check_idx="1")
    first, second = fake.requests
    assert first["method"] == "POST"
    assert first["path"] == "/sms.do"
    assert first["headers"]["Authorization"] == "Bearer test-token"
    assert first["params"]["idx"] == "r-1"
    assert first["params"]["message"] == "Przypomnienie: wizyta jutro o 10:00"
    assert first["status"] == 200
    assert first["response"]["count"] == 1
    assert first["accepted_ids"] == [fake.accepted[0]["id"]]
    assert first["error"] is None
    assert second["error"] == 53
    assert second["response"]["error"] == 53
    assert second["accepted_ids"] == []
    for entry in (first, second):
        assert entry["t_start"] <= entry["t_end"]


# --- status queries and profile -------------------------------------------------------------


def test_status_query_follows_set_delivery(fake: FakeSmsapi) -> None:
    item = send(fake, idx="r-1").json()["list"][0]
    doc = status_of(fake, item["id"]).json()
    assert doc["count"] == 1
    assert doc["list"][0] == item  # QUEUE, as answered when it was sent

    fake.set_delivery(item["id"], "DELIVERED")
    [now] = status_of(fake, item["id"]).json()["list"]
    assert now["status"] == "DELIVERED"
    assert now["id"] == item["id"]
    assert now["idx"] == "r-1"

    fake.set_delivery(int(item["id"]), "undelivered")
    assert status_of(fake, item["id"]).json()["list"][0]["status"] == "UNDELIVERED"


def test_status_query_of_several_ids(fake: FakeSmsapi) -> None:
    first = send(fake).json()["list"][0]["id"]
    second = send(fake).json()["list"][0]["id"]
    fake.set_delivery(second, "SENT")
    doc = status_of(fake, f"{first}|{second}|123").json()
    assert [(i["id"], i["status"]) for i in doc["list"]] == [(first, "QUEUE"), (second, "SENT")]


def test_status_query_errors(fake: FakeSmsapi) -> None:
    gateway_id = send(fake).json()["list"][0]["id"]
    assert_error(status_of(fake, "123"), 400)
    assert_error(status_of(fake, gateway_id, token="wrong"), 101)


def test_set_delivery_refuses_unknown_ids_and_statuses(fake: FakeSmsapi) -> None:
    gateway_id = send(fake).json()["list"][0]["id"]
    with pytest.raises(KeyError):
        fake.set_delivery("123", "DELIVERED")
    with pytest.raises(ValueError):
        fake.set_delivery(gateway_id, "READ")


def test_profile(fake: FakeSmsapi) -> None:
    send(fake, message="a" * 161)
    response = requests.get(f"{fake.url}/profile", headers={"Authorization": "Bearer test-token"}, timeout=5)
    assert response.status_code == 200
    doc = response.json()
    assert set(doc) == {"name", "email", "username", "phone_number", "payment_type", "user_type", "points"}
    assert doc["points"] == pytest.approx(100000 - 0.32)
    assert doc["payment_type"] == "prepaid"
    assert doc["user_type"] == "native"


def test_profile_without_a_valid_token_is_401(fake: FakeSmsapi) -> None:
    response = requests.get(f"{fake.url}/profile", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert response.status_code == 401
    assert response.json()["message"] == "Authorization failed"


def test_unknown_path_and_method(fake: FakeSmsapi) -> None:
    assert requests.get(f"{fake.url}/api/sms", timeout=5).status_code == 404
    assert requests.delete(f"{fake.url}/sms.do", timeout=5).status_code == 405
    assert requests.post(f"{fake.url}/profile", timeout=5).status_code == 405


def test_constructor_settings() -> None:
    with FakeSmsapi(token="other", senders=("Klinika", "Dentysta"), point_per_part=0.2) as fake:
        assert_error(send(fake), 101)
        assert_error(send(fake, token="other"), 14)  # "Gabinet" is not this account's
        item = send(fake, token="other", **{"from": "Dentysta"}).json()["list"][0]
        assert item["points"] == 0.2
        send(fake, token="other", **{"from": None})
        assert [m["sender"] for m in fake.accepted] == ["Dentysta", "Klinika"]
