"""The fake SMSbrána SMS Connect (tests/fakes/fake_smsbrana.py) itself, over real HTTP with `requests`."""

from __future__ import annotations

import hashlib
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.fakes.fake_smsbrana import (
    API_PATH,
    DELIVERED,
    ERR_ACTION,
    ERR_AUTH,
    ERR_CREDIT,
    ERR_DATABASE,
    ERR_DUPLICATE,
    ERR_EMPTY_MESSAGE,
    ERR_LOGIN,
    ERR_NUMBER,
    ERR_SALT_USED,
    ERR_TIME,
    ERR_TOO_LONG,
    ERR_UNKNOWN,
    EXPIRED,
    FIRST_SMS_ID,
    GARBAGE_BODY,
    PRAGUE,
    FakeSmsbrana,
    auth_params,
    connect_time,
    sms_parts,
)

NUMBER = "+420603123456"  # the international form, as the documentation writes it
CZECH = "Příliš žluťoučký kůň úpěl ďábelské ódy"  # 38 characters, outside GSM-7


@pytest.fixture
def fake() -> Iterator[FakeSmsbrana]:
    with FakeSmsbrana() as server:
        yield server


def call(
    fake: FakeSmsbrana,
    action: str = "send_sms",
    auth: dict[str, str] | None = None,
    method: str = "GET",
    timeout: float = 5,
    **params: Any,
) -> requests.Response:
    """One request with fresh advanced-login parameters (a new salt each time) unless ``auth`` is given."""
    fields = {"action": action, **(auth_params(fake.login, fake.password) if auth is None else auth)}
    fields.update({k: v for k, v in params.items() if v is not None})
    if method == "GET":
        return requests.get(f"{fake.url}{API_PATH}", params=fields, timeout=timeout)
    return requests.post(f"{fake.url}{API_PATH}", data=fields, timeout=timeout)


def send(
    fake: FakeSmsbrana, text: str = "Przypomnienie: wizyta jutro 9:00", **params: Any
) -> requests.Response:
    params.setdefault("number", NUMBER)
    return call(fake, "send_sms", message=text, **params)


def parse(response: requests.Response) -> dict[str, str]:
    """``<result>`` children as {tag: text} (nested elements are left out)."""
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.content)
    assert root.tag == "result"
    return {child.tag: child.text or "" for child in root if len(child) == 0}


def err(response: requests.Response) -> int:
    return int(parse(response)["err"])


# --- send_sms: success and sms_count -------------------------------------------------------------


def test_send_success_answer_and_record(fake: FakeSmsbrana) -> None:
    response = send(fake, "Wizyta jutro", sender_id="1234", user_id="msg-1", delivery_report="1")
    assert response.headers["Content-Type"].startswith("text/xml")
    assert response.text.startswith("<?xml version='1.0' encoding='utf-8'?>")
    assert parse(response) == {
        "err": "0",
        "price": "1.1",
        "sms_count": "1",
        "credit": "998.9",
        "sms_id": str(FIRST_SMS_ID),
    }
    [sms] = fake.accepted
    assert {k: v for k, v in sms.items() if k != "at"} == {
        "id": str(FIRST_SMS_ID),
        "to": NUMBER.lstrip("+"),
        "text": "Wizyta jutro",
        "sender": "1234",
        "key": "msg-1",
        "parts": 1,
    }
    assert sms["at"] <= time.monotonic()
    assert fake.credit == pytest.approx(998.9)
    second = parse(send(fake, "Druga"))
    assert second["sms_id"] == str(FIRST_SMS_ID + 1)
    assert fake.accepted[1]["key"] is None and fake.accepted[1]["sender"] is None


@pytest.mark.parametrize(
    ("text", "data_code", "parts"),
    [
        ("a" * 160, "7bit", 1),
        ("a" * 161, "7bit", 2),
        ("a" * 306, "7bit", 2),
        ("a" * 307, "7bit", 3),
        ("€" * 80, "7bit", 1),  # extension characters cost 2 septets: 160
        ("€" * 80 + "a", "7bit", 2),
        ("a" * 152 + "€" + "a" * 152, "7bit", 3),  # 306 septets, but the escape pair is not split
        ("ř" * 70, "ucs2", 1),
        ("ř" * 71, "ucs2", 2),
        ("ř" * 134, "ucs2", 2),
        ("ř" * 135, "ucs2", 3),
        (CZECH, "ucs2", 1),
        ((CZECH + " ") * 2, "ucs2", 2),  # 78 characters of Czech: UCS-2, 2 parts
        ("😀" * 35, "ucs2", 1),  # astral characters cost 2 UTF-16 units
        ("😀" * 35 + "a", "ucs2", 2),
        ("ř" * 160, "7bit", 1),  # 7bit: the gateway replaces what GSM-7 lacks
        ("ř" * 160, None, 1),  # no data_code: 7bit, the documented default
        ("a" * 71, "ucs2", 2),  # forced UCS-2
    ],
    ids=[
        "gsm7-160",
        "gsm7-161",
        "gsm7-306",
        "gsm7-307",
        "gsm7-ext-160-septets",
        "gsm7-ext-161-septets",
        "gsm7-escape-not-split",
        "ucs2-70",
        "ucs2-71",
        "ucs2-134",
        "ucs2-135",
        "czech-pangram",
        "czech-78-chars",
        "emoji-70-units",
        "emoji-71-units",
        "data-code-7bit",
        "data-code-default-7bit",
        "data-code-ucs2",
    ],
)
def test_sms_count_over_http(fake: FakeSmsbrana, text: str, data_code: str | None, parts: int) -> None:
    assert sms_parts(text, data_code) == parts
    answer = parse(send(fake, text, data_code=data_code))
    assert answer["err"] == "0"
    assert answer["sms_count"] == str(parts)
    assert answer["price"] == f"{1.1 * parts:.4f}".rstrip("0").rstrip(".")
    assert fake.accepted[-1]["parts"] == parts


def test_national_and_international_numbers(fake: FakeSmsbrana) -> None:
    assert err(send(fake, "international", number="+420603123456")) == 0
    assert err(send(fake, "national", number="603123456")) == 0
    assert err(send(fake, "with 00", number="00420603123456")) == 0
    assert err(send(fake, "Polish", number="+48601234567")) == 0
    assert [sms["to"] for sms in fake.accepted] == ["420603123456"] * 3 + ["48601234567"]
    # digits with a country code but no +: neither form of the documentation
    assert err(send(fake, "no plus", number="420603123456")) == ERR_NUMBER
    assert err(send(fake, "no plus", number="48601234567")) == ERR_NUMBER


def test_post_is_refused_get_only(fake: FakeSmsbrana) -> None:
    """The sources only ever GET send_sms/inbox/credit_info: a client that POSTs fails here."""
    response = send(fake, "posted", method="POST")
    assert response.status_code == 405 and response.headers["Allow"] == "GET"
    assert fake.accepted == [] and fake.requests[0]["method"] == "POST"


def test_without_ucs2_diacritics_are_lost(fake: FakeSmsbrana) -> None:
    """7bit is the default: háčky and čárky only survive data_code=ucs2."""
    assert err(send(fake, "Připomínka: zítra v 9:00")) == 0
    assert err(send(fake, "Připomínka: zítra v 9:00", data_code="7bit")) == 0
    assert err(send(fake, "Připomínka: zítra v 9:00", data_code="ucs2")) == 0
    texts = [sms["text"] for sms in fake.accepted]
    assert texts == ["P?ipom?nka: z?tra v 9:00"] * 2 + ["Připomínka: zítra v 9:00"]


def test_official_client_time_format_is_accepted(fake: FakeSmsbrana) -> None:
    """ISO 8601 with an offset, as smsbrana/sms-connect sends it since commit 07ea743."""
    stamp = datetime.now(PRAGUE).isoformat(timespec="seconds")
    salt = "abc123def0"
    digest = hashlib.md5((fake.password + stamp + salt).encode()).hexdigest()
    auth = {"login": fake.login, "sul": salt, "time": stamp, "hash": digest}
    assert err(call(fake, "credit_info", auth=auth)) == 0


# --- login ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hash", "auth"], ids=["official-hash-param", "third-party-auth-param"])
def test_advanced_login_good(fake: FakeSmsbrana, name: str) -> None:
    assert err(call(fake, "credit_info", auth=auth_params("gabinet", "secret", name=name))) == 0


def test_advanced_login_hash_is_md5_of_password_time_salt(fake: FakeSmsbrana) -> None:
    at = datetime.now(UTC)
    params = auth_params("gabinet", "secret", at=at, sul="abc123")
    stamp = at.astimezone(PRAGUE).strftime("%Y%m%dT%H%M%S")
    assert params == {
        "login": "gabinet",
        "time": stamp,
        "sul": "abc123",
        "hash": hashlib.md5(f"secret{stamp}abc123".encode()).hexdigest(),
    }
    assert err(call(fake, "credit_info", auth=params)) == 0


@pytest.mark.parametrize(
    ("auth", "code"),
    [
        (lambda: auth_params("gabinet", "wrong"), ERR_AUTH),
        (
            lambda: {
                **auth_params("gabinet", "secret"),
                "hash": auth_params("gabinet", "secret")["hash"].upper(),
            },
            ERR_AUTH,
        ),
        (lambda: {k: v for k, v in auth_params("gabinet", "secret").items() if k != "sul"}, ERR_AUTH),
        (lambda: {"login": "gabinet"}, ERR_AUTH),
        (lambda: auth_params("someone-else", "secret"), ERR_LOGIN),
        (lambda: {"password": "secret"}, ERR_LOGIN),
        (lambda: {"login": "gabinet", "password": "wrong"}, ERR_AUTH),
    ],
    ids=[
        "wrong-password-hash",
        "uppercase-hex",
        "missing-sul",
        "no-credentials",
        "wrong-login",
        "no-login",
        "simple-login-wrong-password",
    ],
)
def test_login_refused(fake: FakeSmsbrana, auth: Any, code: int) -> None:
    answer = parse(send(fake, auth=auth()))
    assert answer == {"err": str(code)}
    assert fake.accepted == []
    assert fake.requests[-1]["err"] == code and fake.requests[-1]["reason"]


def test_simple_login_with_password(fake: FakeSmsbrana) -> None:
    assert err(send(fake, auth={"login": "gabinet", "password": "secret"})) == 0
    assert len(fake.accepted) == 1


@pytest.mark.parametrize(
    ("offset", "max_skew", "code"),
    [
        (-1000, 300, ERR_TIME),
        (1000, 300, ERR_TIME),
        (-250, 300, 0),
        (250, 300, 0),
        (60, 10, ERR_TIME),
        (5, 10, 0),
    ],
    ids=["1000s-late", "1000s-early", "250s-late-ok", "250s-early-ok", "60s-over-max-10", "5s-within-max-10"],
)
def test_time_skew(offset: int, max_skew: float, code: int) -> None:
    with FakeSmsbrana(max_skew=max_skew) as fake:
        at = datetime.now(UTC) + timedelta(seconds=offset)
        response = send(fake, auth=auth_params("gabinet", "secret", at=at))
        assert err(response) == code
        assert len(fake.accepted) == (0 if code else 1)


def test_time_is_prague_local_time(fake: FakeSmsbrana) -> None:
    # the UTC wall clock in the Prague-time format is 1 or 2 hours off: refused
    utc_stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    assert utc_stamp != connect_time()
    digest = hashlib.md5(f"secret{utc_stamp}s1".encode()).hexdigest()
    auth = {"login": "gabinet", "time": utc_stamp, "sul": "s1", "auth": digest}
    assert err(call(fake, "credit_info", auth=auth)) == ERR_TIME


def test_malformed_time(fake: FakeSmsbrana) -> None:
    digest = hashlib.md5(b"secret2026-11-27 09:15:00s1").hexdigest()
    auth = {"login": "gabinet", "time": "2026-11-27 09:15:00", "sul": "s1", "auth": digest}
    assert err(call(fake, "credit_info", auth=auth)) == ERR_TIME


def test_salt_reuse_refused(fake: FakeSmsbrana) -> None:
    auth = auth_params("gabinet", "secret", sul="same-salt")
    assert err(send(fake, "first", auth=auth)) == 0
    assert err(send(fake, "second", auth=auth)) == ERR_SALT_USED
    assert [sms["text"] for sms in fake.accepted] == ["first"]


def test_salt_of_a_failed_login_is_not_used_up(fake: FakeSmsbrana) -> None:
    assert err(send(fake, auth=auth_params("gabinet", "wrong", sul="s-1"))) == ERR_AUTH
    assert err(send(fake, auth=auth_params("gabinet", "secret", sul="s-1"))) == 0


# --- send_sms: refusals --------------------------------------------------------------------------


def test_duplicate_user_id(fake: FakeSmsbrana) -> None:
    assert err(send(fake, "Reminder", user_id="appt-42")) == 0
    credit = fake.credit
    assert parse(send(fake, "Reminder", user_id="appt-42")) == {"err": str(ERR_DUPLICATE)}
    assert len(fake.accepted) == 1
    assert fake.credit == credit
    assert err(send(fake, "Reminder", user_id="appt-43")) == 0  # another id is another message


def test_credit_info(fake: FakeSmsbrana) -> None:
    assert parse(call(fake, "credit_info")) == {"err": "0", "credit": "1000"}
    send(fake, "a" * 161)  # 2 parts
    assert parse(call(fake, "credit_info")) == {"err": "0", "credit": "997.8"}


def test_not_enough_credit() -> None:
    with FakeSmsbrana(credit=2.0, price_per_sms=1.1) as fake:
        assert err(send(fake, "a" * 161)) == ERR_CREDIT  # 2.2 > 2.0
        assert fake.accepted == [] and fake.credit == 2.0
        assert parse(send(fake, "a")) == {
            "err": "0",
            "price": "1.1",
            "sms_count": "1",
            "credit": "0.9",
            "sms_id": str(FIRST_SMS_ID),
        }
        assert err(send(fake, "a")) == ERR_CREDIT


@pytest.mark.parametrize(
    "number",
    [
        "420600000000",
        "+420600000000",
        "12",
        "abc",
        "+",
        "",
        "42060312345x",
        "0420603123456",
        "4206031234567890",
    ],
    ids=[
        "listed",
        "listed-with-plus",
        "too-short",
        "letters",
        "plus-only",
        "empty",
        "trailing-letter",
        "leading-0",
        "16-digits",
    ],
)
def test_invalid_number(fake: FakeSmsbrana, number: str) -> None:
    fake.invalid_numbers.add("420600000000")
    assert parse(send(fake, number=number)) == {"err": str(ERR_NUMBER)}
    assert fake.accepted == []


@pytest.mark.parametrize(
    ("text", "code"),
    [("", ERR_EMPTY_MESSAGE), ("a" * 460, ERR_TOO_LONG), ("ř" * 460, ERR_TOO_LONG), ("a" * 459, 0)],
    ids=["empty", "460-chars", "460-czech-chars", "459-chars-ok"],
)
def test_message_checks(fake: FakeSmsbrana, text: str, code: int) -> None:
    assert err(send(fake, text)) == code
    assert len(fake.accepted) == (0 if code else 1)


def test_unknown_action_and_path(fake: FakeSmsbrana) -> None:
    assert parse(call(fake, "xml_queue")) == {"err": str(ERR_ACTION)}
    assert parse(call(fake, "")) == {"err": str(ERR_ACTION)}
    response = requests.get(f"{fake.url}/other.php", timeout=5)
    assert response.status_code == 404
    assert fake.requests[-1]["status"] == 404


def test_unknown_data_code(fake: FakeSmsbrana) -> None:
    assert err(send(fake, data_code="8bit")) == ERR_UNKNOWN
    assert fake.accepted == []


# --- faults --------------------------------------------------------------------------------------


def test_fail_next(fake: FakeSmsbrana) -> None:
    fake.fail_next(times=2)
    fake.fail_next(status=503, body="maintenance")
    first, second, third = (send(fake) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (500, 500, 503)
    assert "500 Internal Server Error" in first.text and third.text == "maintenance"
    assert fake.accepted == []
    assert err(send(fake)) == 0
    assert [entry["fault"] for entry in fake.requests] == ["fail", "fail", "fail", None]


def test_rate_limit_next(fake: FakeSmsbrana) -> None:
    fake.rate_limit_next()
    response = send(fake)
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    fake.rate_limit_next(retry_after=3600)
    assert send(fake).headers["Retry-After"] == "3600"
    assert fake.accepted == []
    assert err(send(fake)) == 0


def test_business_error_next(fake: FakeSmsbrana) -> None:
    fake.business_error_next(ERR_DATABASE, times=2)
    assert parse(send(fake)) == {"err": str(ERR_DATABASE)}
    assert err(send(fake)) == ERR_DATABASE
    assert fake.accepted == []
    assert err(send(fake)) == 0
    with pytest.raises(ValueError):
        fake.business_error_next(0)


def test_drop_next(fake: FakeSmsbrana) -> None:
    fake.drop_next()
    with pytest.raises(requests.ConnectionError):
        send(fake, user_id="k1")
    assert fake.accepted == []
    assert fake.requests[-1]["status"] is None and fake.requests[-1]["t_end"] is not None
    assert err(send(fake, user_id="k1")) == 0  # nothing went out: the retry is a first send


def test_accept_then_drop_next(fake: FakeSmsbrana) -> None:
    fake.accept_then_drop_next()
    with pytest.raises(requests.ConnectionError):
        send(fake, user_id="k1")
    assert [sms["key"] for sms in fake.accepted] == ["k1"]
    assert fake.requests[-1]["accepted_id"] == str(FIRST_SMS_ID)
    assert err(send(fake, user_id="k1")) == ERR_DUPLICATE  # the retry is recognised
    assert len(fake.accepted) == 1


@pytest.mark.parametrize("accepted", [True, False], ids=["garbage-accepted", "garbage-not-accepted"])
def test_garbage_next(fake: FakeSmsbrana, accepted: bool) -> None:
    fake.garbage_next(accepted=accepted)
    response = send(fake)
    assert response.status_code == 200 and response.text == GARBAGE_BODY
    with pytest.raises(ET.ParseError):
        ET.fromstring(response.content)
    assert len(fake.accepted) == (1 if accepted else 0)


def test_accept_then_hang_next(fake: FakeSmsbrana) -> None:
    fake.accept_then_hang_next(1.0)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        send(fake, "hangs", user_id="k1", timeout=0.2)
    assert time.monotonic() - started < 0.9
    assert [sms["text"] for sms in fake.accepted] == ["hangs"]  # it went out before the timeout
    # the hanging request does not hold up others
    started = time.monotonic()
    assert err(send(fake, "next", user_id="k2")) == 0
    assert time.monotonic() - started < 0.5
    assert err(send(fake, "hangs", user_id="k1")) == ERR_DUPLICATE


def test_hang_then_answers(fake: FakeSmsbrana) -> None:
    fake.accept_then_hang_next(0.3)
    started = time.monotonic()
    assert err(send(fake, timeout=5)) == 0
    assert time.monotonic() - started >= 0.3


def test_faults_apply_to_send_sms_only(fake: FakeSmsbrana) -> None:
    fake.fail_next()
    assert err(call(fake, "credit_info")) == 0
    assert err(call(fake, "inbox")) == 0
    assert send(fake).status_code == 500


def test_reset_faults(fake: FakeSmsbrana) -> None:
    fake.fail_next(times=5)
    fake.drop_next()
    fake.delay(1.0)
    fake.reset_faults()
    started = time.monotonic()
    assert err(send(fake)) == 0
    assert time.monotonic() - started < 0.5


def test_times_must_be_positive(fake: FakeSmsbrana) -> None:
    with pytest.raises(ValueError):
        fake.fail_next(times=0)
    with pytest.raises(ValueError):
        fake.delay(-1)


# --- delay, concurrency, stop --------------------------------------------------------------------


def test_delay_with_8_concurrent_clients(fake: FakeSmsbrana) -> None:
    fake.delay(0.05)
    barrier = threading.Barrier(8)

    def one(i: int) -> int:
        with requests.Session() as session:
            fields = {"action": "send_sms", **auth_params("gabinet", "secret"), "number": NUMBER}
            fields.update(message=f"message {i}", user_id=f"k{i}")
            barrier.wait()
            response = session.get(f"{fake.url}{API_PATH}", params=fields, timeout=5)
            return err(response)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(one, range(8)))
    elapsed = time.monotonic() - started
    assert codes == [0] * 8
    assert len(fake.accepted) == 8
    assert len({sms["id"] for sms in fake.accepted}) == 8
    entries = fake.requests
    assert all(entry["t_end"] - entry["t_start"] >= 0.05 for entry in entries)
    assert max(entry["t_start"] for entry in entries) < min(entry["t_end"] for entry in entries)  # overlapped
    assert elapsed < 0.35  # one after another would take 0.4 s


def test_delay_applies_to_every_action(fake: FakeSmsbrana) -> None:
    fake.delay(0.1)
    started = time.monotonic()
    assert err(call(fake, "credit_info")) == 0
    assert time.monotonic() - started >= 0.1


def test_stop_does_not_wait_for_a_hanging_request() -> None:
    fake = FakeSmsbrana().start()
    fake.accept_then_hang_next(30)
    errors: list[BaseException] = []

    def client() -> None:
        try:
            send(fake, timeout=10)
        except requests.RequestException as exc:
            errors.append(exc)

    thread = threading.Thread(target=client)
    thread.start()
    deadline = time.monotonic() + 2
    while not fake.accepted and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake.accepted
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2
    thread.join(timeout=5)
    assert not thread.is_alive() and errors  # the client saw the connection end


def test_stop_twice_and_url_after_stop() -> None:
    fake = FakeSmsbrana()
    with fake:
        assert fake.url.startswith("http://127.0.0.1:")
    fake.stop()
    with pytest.raises(RuntimeError):
        _ = fake.url


# --- delivery reports ----------------------------------------------------------------------------


def inbox_reports(fake: FakeSmsbrana, delete: bool = False) -> list[dict[str, str]]:
    response = call(fake, "inbox", delete="1" if delete else None)
    root = ET.fromstring(response.content)
    assert root.findtext("err") == "0"
    assert root.find("inbox/delivery_sms") is not None
    return [
        {child.tag: child.text or "" for child in item} for item in root.findall("inbox/delivery_report/item")
    ]


def test_delivery_report_via_inbox(fake: FakeSmsbrana) -> None:
    assert inbox_reports(fake) == []
    first = parse(send(fake, "one", delivery_report="1"))["sms_id"]
    second = parse(send(fake, "two", delivery_report="1", number="603999888"))["sms_id"]
    fake.set_delivery(first, DELIVERED)
    fake.set_delivery(second, "expired")
    reports = inbox_reports(fake)
    assert [(r["idsms"], r["number"], r["status"]) for r in reports] == [
        (first, NUMBER, str(DELIVERED)),
        (second, "+420603999888", str(EXPIRED)),
    ]
    assert all(len(r["time"]) == 15 and r["time"][8] == "T" for r in reports)
    assert len(inbox_reports(fake, delete=True)) == 2  # still there until deleted
    assert inbox_reports(fake) == []


def test_set_delivery_checks(fake: FakeSmsbrana) -> None:
    no_report = parse(send(fake, "no report wanted"))["sms_id"]
    with pytest.raises(ValueError):
        fake.set_delivery(no_report, DELIVERED)
    with pytest.raises(KeyError):
        fake.set_delivery("999", DELIVERED)
    wanted = parse(send(fake, "report wanted", delivery_report="1"))["sms_id"]
    with pytest.raises(ValueError):
        fake.set_delivery(wanted, 42)


def test_request_log(fake: FakeSmsbrana) -> None:
    send(fake, "logged", user_id="k1")
    [entry] = fake.requests
    assert entry["method"] == "GET" and entry["path"].startswith(f"{API_PATH}?")
    assert entry["params"]["message"] == "logged" and entry["params"]["user_id"] == "k1"
    assert entry["action"] == "send_sms" and entry["status"] == 200 and entry["err"] == 0
    assert entry["response"].startswith("<?xml") and entry["accepted_id"] == str(FIRST_SMS_ID)
    assert entry["t_start"] <= entry["t_end"]
