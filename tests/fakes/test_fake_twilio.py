"""The fake Twilio (tests/fakes/fake_twilio.py) itself, over real HTTP with `requests`."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests

from tests.fakes.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_SERVICE_SID, ERRORS, FakeTwilio, segments

TO = "+48601234567"
NUMBER = "+48500000000"
SID = re.compile(r"SM[0-9a-f]{32}")


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def http(twilio: FakeTwilio) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.auth = twilio.auth
        yield session


def messages_url(twilio: FakeTwilio, account: str | None = None) -> str:
    return f"{twilio.url}/2010-04-01/Accounts/{account or twilio.account_sid}/Messages.json"


def send(http: requests.Session, twilio: FakeTwilio, timeout: float = 5, **form: Any) -> requests.Response:
    data = {"To": TO, "From": NUMBER, "Body": "Przypomnienie o wizycie jutro o 10:00"}
    data.update(form)
    data = {k: v for k, v in data.items() if v is not None}
    return http.post(messages_url(twilio), data=data, timeout=timeout)


def fetch(http: requests.Session, twilio: FakeTwilio, sid: str) -> requests.Response:
    return http.get(f"{twilio.url}/2010-04-01/Accounts/{twilio.account_sid}/Messages/{sid}.json", timeout=5)


def assert_error(response: requests.Response, status: int, code: int) -> dict:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["code"] == code
    assert body["status"] == status
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert body["message"]
    return body


# --- create: shape and segments ----------------------------------------------------------------


def test_url_is_local(twilio: FakeTwilio) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", twilio.url)
    assert twilio.auth == (DEFAULT_ACCOUNT_SID, "token")


def test_create_answers_201_with_the_message_resource(http: requests.Session, twilio: FakeTwilio) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    response = send(http, twilio, Body="Hello", StatusCallback="https://example.com/status")
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    doc = response.json()
    assert SID.fullmatch(doc["sid"])
    assert doc == {
        "account_sid": DEFAULT_ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": "Hello",
        "date_created": doc["date_created"],
        "date_sent": None,
        "date_updated": doc["date_updated"],
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": NUMBER,
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": None,
        "sid": doc["sid"],
        "status": "queued",
        "subresource_uris": {
            "media": f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{doc['sid']}/Media.json"
        },
        "to": TO,
        "uri": f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{doc['sid']}.json",
    }
    created = parsedate_to_datetime(doc["date_created"])
    assert doc["date_created"].endswith(" +0000")
    assert before <= created <= datetime.now(UTC)
    [accepted] = twilio.accepted
    assert accepted == {
        "id": doc["sid"],
        "to": TO,
        "text": "Hello",
        "sender": NUMBER,
        "key": None,
        "parts": 1,
        "at": accepted["at"],
    }
    assert accepted["at"] <= time.monotonic()


@pytest.mark.parametrize(
    ("body", "parts"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("{" * 80, 1),
        ("a" * 159 + "€", 2),
        ("a" * 152 + "€" + "a" * 152, 3),
        ("ą" * 70, 1),
        ("ą" * 71, 2),
        ("ą" * 134, 2),
        ("ą" * 135, 3),
        ("Przypomnienie: wizyta u stomatologa jutro o 10:00, gabinet nr 3. Prosimy o punktualność.", 2),
        ("😀" * 35, 1),
        ("😀" * 36, 2),
        ("a" * 66 + "😀" + "a" * 66, 3),
    ],
    ids=[
        "gsm7-160-one-part",
        "gsm7-161-two-parts",
        "gsm7-306-two-parts",
        "gsm7-307-three-parts",
        "gsm7-80-braces-are-160-septets",
        "gsm7-euro-makes-161-septets",
        "gsm7-escape-never-split-across-parts",
        "ucs2-polish-70-one-part",
        "ucs2-polish-71-two-parts",
        "ucs2-polish-134-two-parts",
        "ucs2-polish-135-three-parts",
        "ucs2-polish-sentence-over-70",
        "ucs2-35-emoji-are-70-units",
        "ucs2-36-emoji-are-72-units",
        "ucs2-surrogate-pair-never-split",
    ],
)
def test_num_segments_is_a_string_with_the_honest_count(
    http: requests.Session, twilio: FakeTwilio, body: str, parts: int
) -> None:
    assert segments(body) == parts
    response = send(http, twilio, Body=body)
    assert response.status_code == 201
    assert response.json()["num_segments"] == str(parts)
    assert response.json()["body"] == body
    assert twilio.accepted[-1]["parts"] == parts


def test_body_of_1600_characters_is_fine_1601_is_21617(http: requests.Session, twilio: FakeTwilio) -> None:
    assert send(http, twilio, Body="a" * 1600).json()["num_segments"] == "11"
    assert_error(send(http, twilio, Body="a" * 1601), 400, 21617)
    assert len(twilio.accepted) == 1


def test_a_repeated_post_sends_a_second_message(http: requests.Session, twilio: FakeTwilio) -> None:
    first = send(http, twilio)
    second = send(http, twilio)
    assert first.status_code == second.status_code == 201
    assert first.json()["sid"] != second.json()["sid"]
    assert [a["id"] for a in twilio.accepted] == [first.json()["sid"], second.json()["sid"]]
    assert [a["text"] for a in twilio.accepted] == [first.json()["body"]] * 2


# --- auth --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "auth",
    [None, (DEFAULT_ACCOUNT_SID, "wrong"), ("AC" + "9" * 32, "token"), "Bearer token", "Basic !!!"],
    ids=["no-auth", "wrong-token", "other-account-sid", "bearer", "bad-base64"],
)
@pytest.mark.parametrize("method", ["POST", "GET"], ids=["create", "account"])
def test_bad_basic_auth_is_401_20003(twilio: FakeTwilio, auth: Any, method: str) -> None:
    headers = {"Authorization": auth} if isinstance(auth, str) else {}
    url = (
        messages_url(twilio)
        if method == "POST"
        else f"{twilio.url}/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}.json"
    )
    response = requests.request(
        method,
        url,
        data={"To": TO, "From": NUMBER, "Body": "x"},
        auth=auth if isinstance(auth, tuple) else None,
        headers=headers,
        timeout=5,
    )
    body = assert_error(response, 401, 20003)
    assert body["message"] == "Authenticate"
    assert twilio.accepted == []


def test_another_account_in_the_path_is_404(http: requests.Session, twilio: FakeTwilio) -> None:
    other = "AC" + "9" * 32
    body = assert_error(http.post(messages_url(twilio, other), data={"To": TO}, timeout=5), 404, 20404)
    assert (
        body["message"] == f"The requested resource /2010-04-01/Accounts/{other}/Messages.json was not found"
    )


def test_custom_credentials(twilio: FakeTwilio) -> None:
    with FakeTwilio(account_sid="AC" + "a" * 32, auth_token="s3cret") as other:
        ok = requests.get(
            f"{other.url}/2010-04-01/Accounts/{'AC' + 'a' * 32}.json", auth=other.auth, timeout=5
        )
        assert ok.status_code == 200
        bad = requests.get(
            f"{other.url}/2010-04-01/Accounts/{'AC' + 'a' * 32}.json", auth=twilio.auth, timeout=5
        )
        assert_error(bad, 401, 20003)


# --- sender rules and validation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "status", "sender", "service", "num_segments"),
    [
        ({"From": NUMBER}, "queued", NUMBER, None, "1"),
        ({"From": "Gabinet"}, "queued", "Gabinet", None, "1"),
        (
            {"From": None, "MessagingServiceSid": DEFAULT_SERVICE_SID},
            "accepted",
            None,
            DEFAULT_SERVICE_SID,
            "0",
        ),
        (
            {"From": "Gabinet", "MessagingServiceSid": DEFAULT_SERVICE_SID},
            "accepted",
            "Gabinet",
            DEFAULT_SERVICE_SID,
            "0",
        ),
    ],
    ids=["from-number", "from-alphanumeric", "service-only", "service-and-from"],
)
def test_from_and_messaging_service_sid(
    http: requests.Session,
    twilio: FakeTwilio,
    form: dict,
    status: str,
    sender: str | None,
    service: str | None,
    num_segments: str,
) -> None:
    response = send(http, twilio, **form)
    assert response.status_code == 201
    doc = response.json()
    assert (doc["status"], doc["from"], doc["messaging_service_sid"]) == (status, sender, service)
    assert doc["num_segments"] == num_segments
    assert twilio.accepted[-1]["sender"] == (sender or service)
    assert twilio.accepted[-1]["parts"] == 1


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"To": None}, 21604),
        ({"From": None}, 21603),
        ({"From": ""}, 21603),
        ({"From": None, "MessagingServiceSid": "MG123"}, 21705),
        ({"From": None, "MessagingServiceSid": "MG" + "2" * 32}, 21701),
        ({"From": "+48 500 000 000"}, 21212),
        ({"From": "GabinetStomatologiczny"}, 21212),
        ({"From": "+48500000001"}, 21606),
        ({"From": "Przychodnia"}, 21606),
        ({"Body": None}, 21602),
        ({"Body": ""}, 21602),
        ({"To": "601234567"}, 21211),
        ({"To": "+48abc"}, 21211),
    ],
    ids=[
        "no-to-21604",
        "no-sender-21603",
        "empty-from-21603",
        "malformed-service-21705",
        "unknown-service-21701",
        "from-with-spaces-21212",
        "alphanumeric-over-11-21212",
        "number-not-on-account-21606",
        "alphanumeric-not-on-account-21606",
        "no-body-21602",
        "empty-body-21602",
        "to-without-plus-21211",
        "to-with-letters-21211",
    ],
)
def test_invalid_create_is_400_with_the_code(
    http: requests.Session, twilio: FakeTwilio, form: dict, code: int
) -> None:
    body = assert_error(send(http, twilio, **form), 400, code)
    assert body["message"] == ERRORS[code][1].format(to=form.get("To"), from_=form.get("From"), path="")
    assert twilio.accepted == []


def test_json_body_is_not_read_21604(http: requests.Session, twilio: FakeTwilio) -> None:
    response = http.post(messages_url(twilio), json={"To": TO, "From": NUMBER, "Body": "x"}, timeout=5)
    assert_error(response, 400, 21604)


@pytest.mark.parametrize(
    ("attribute", "code", "message"),
    [
        ("invalid_numbers", 21211, f"The 'To' number {TO} is not a valid phone number."),
        ("landline_numbers", 21614, "'To' number is not a valid mobile number"),
        ("unsubscribed", 21610, "Attempt to send to unsubscribed recipient"),
    ],
    ids=["invalid-21211", "landline-21614", "unsubscribed-21610"],
)
def test_number_sets(
    http: requests.Session, twilio: FakeTwilio, attribute: str, code: int, message: str
) -> None:
    getattr(twilio, attribute).add(TO)
    assert assert_error(send(http, twilio), 400, code)["message"] == message
    assert send(http, twilio, To="+48601234568").status_code == 201
    assert [a["to"] for a in twilio.accepted] == ["+48601234568"]


# --- faults ------------------------------------------------------------------------------------


def test_rate_limit_next_is_429_20429_then_normal(http: requests.Session, twilio: FakeTwilio) -> None:
    twilio.rate_limit_next()
    body = assert_error(send(http, twilio), 429, 20429)
    assert body["message"] == "Too Many Requests"
    assert twilio.accepted == []
    assert send(http, twilio).status_code == 201
    assert len(twilio.accepted) == 1


@pytest.mark.parametrize(
    ("status", "code"),
    [(500, 20500), (503, 20503), (502, 502), (401, 20003)],
    ids=["500-20500", "503-20503", "502-generic", "401-20003"],
)
def test_fail_next_answers_the_status_with_twilio_json(
    http: requests.Session, twilio: FakeTwilio, status: int, code: int
) -> None:
    twilio.fail_next(status, times=2)
    assert_error(send(http, twilio), status, code)
    assert_error(send(http, twilio), status, code)
    assert send(http, twilio).status_code == 201
    assert len(twilio.accepted) == 1
    assert [r["fault"] for r in twilio.requests] == ["fail", "fail", None]


@pytest.mark.parametrize(
    ("body", "content_type", "text"),
    [("oops", "text/plain; charset=utf-8", "oops"), ({"x": 1}, "application/json", '{"x": 1}')],
    ids=["text-body", "json-body"],
)
def test_fail_next_with_a_body(
    http: requests.Session, twilio: FakeTwilio, body: Any, content_type: str, text: str
) -> None:
    twilio.fail_next(502, body=body)
    response = send(http, twilio)
    assert (response.status_code, response.headers["Content-Type"], response.text) == (
        502,
        content_type,
        text,
    )
    assert twilio.accepted == []


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        (21211, 400, f"The 'To' number {TO} is not a valid phone number."),
        (21610, 400, "Attempt to send to unsubscribed recipient"),
        (21614, 400, "'To' number is not a valid mobile number"),
        (
            21408,
            400,
            "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: "
            f"{TO}.",
        ),
        (21608, 400, "The 'to' phone number provided is not yet verified for this account."),
        (20003, 401, "Authenticate"),
        (20429, 429, "Too Many Requests"),
    ],
    ids=["21211", "21610", "21614", "21408", "21608", "20003", "20429"],
)
def test_business_error_next(
    http: requests.Session, twilio: FakeTwilio, code: int, status: int, message: str
) -> None:
    twilio.business_error_next(code)
    assert assert_error(send(http, twilio), status, code)["message"] == message
    assert twilio.accepted == []
    assert send(http, twilio).status_code == 201


@pytest.mark.parametrize("code", [12345, 20500], ids=["unknown-code", "not-a-4xx"])
def test_business_error_next_refuses_codes_it_cannot_answer(twilio: FakeTwilio, code: int) -> None:
    with pytest.raises(ValueError, match="known"):
        twilio.business_error_next(code)


def test_accept_then_hang_times_the_client_out_after_the_message_went_out(
    http: requests.Session, twilio: FakeTwilio
) -> None:
    twilio.accept_then_hang_next(1.0)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        send(http, twilio, timeout=0.2)
    assert time.monotonic() - started < 0.9
    [accepted] = twilio.accepted
    assert SID.fullmatch(accepted["id"])
    assert twilio.requests[0]["status"] == 201
    assert twilio.requests[0]["fault"] == "hang"


def test_a_hanging_answer_does_not_block_other_requests(http: requests.Session, twilio: FakeTwilio) -> None:
    twilio.accept_then_hang_next(1.5)
    hung: list[Any] = []
    with requests.Session() as first:
        first.auth = twilio.auth
        thread = threading.Thread(target=lambda: hung.append(send(first, twilio, timeout=5)))
        thread.start()
        while not twilio.accepted:
            time.sleep(0.01)
        started = time.monotonic()
        assert send(http, twilio).status_code == 201
        assert fetch(http, twilio, twilio.accepted[0]["id"]).status_code == 200
        assert time.monotonic() - started < 0.5
        thread.join(timeout=5)
    assert hung[0].status_code == 201
    assert hung[0].json()["sid"] == twilio.accepted[0]["id"]
    assert twilio.requests[0]["t_end"] - twilio.requests[0]["t_start"] >= 1.5


def test_accept_then_drop(http: requests.Session, twilio: FakeTwilio) -> None:
    twilio.accept_then_drop_next()
    with pytest.raises(requests.ConnectionError):
        send(http, twilio)
    assert len(twilio.accepted) == 1
    assert twilio.requests[0]["status"] is None
    assert twilio.requests[0]["sid"] == twilio.accepted[0]["id"]
    assert send(http, twilio).status_code == 201
    assert len(twilio.accepted) == 2


def test_accept_then_fail_processes_then_answers_20503(http: requests.Session, twilio: FakeTwilio) -> None:
    twilio.accept_then_fail_next(503)
    assert_error(send(http, twilio), 503, 20503)
    assert len(twilio.accepted) == 1 and twilio.requests[0]["fault"] == "accept_fail"
    assert send(http, twilio).status_code == 201 and len(twilio.accepted) == 2
    with pytest.raises(ValueError):
        twilio.accept_then_fail_next(429)


def test_fetch_faults_and_forget(http: requests.Session, twilio: FakeTwilio) -> None:
    sid = send(http, twilio).json()["sid"]
    twilio.fail_fetch_next(429)
    assert_error(fetch(http, twilio, sid), 429, 20429)
    assert fetch(http, twilio, sid).json()["status"] == "queued"
    twilio.forget(sid)
    assert_error(fetch(http, twilio, sid), 404, 20404)
    with pytest.raises(ValueError):
        twilio.fail_fetch_next(200)


def test_drop_next_closes_without_accepting(http: requests.Session, twilio: FakeTwilio) -> None:
    twilio.drop_next(times=2)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            send(http, twilio)
    assert twilio.accepted == []
    assert send(http, twilio).status_code == 201


@pytest.mark.parametrize(
    ("accepted", "status"), [(True, 201), (False, 200)], ids=["accepted", "not-accepted"]
)
def test_garbage_next(http: requests.Session, twilio: FakeTwilio, accepted: bool, status: int) -> None:
    twilio.garbage_next(accepted=accepted)
    response = send(http, twilio)
    assert response.status_code == status
    with pytest.raises(ValueError):
        response.json()
    assert len(twilio.accepted) == int(accepted)
    assert send(http, twilio).status_code == 201


def test_accepting_faults_wait_for_a_valid_request(http: requests.Session, twilio: FakeTwilio) -> None:
    twilio.accept_then_drop_next()
    assert_error(send(http, twilio, To="601"), 400, 21211)
    with pytest.raises(requests.ConnectionError):
        send(http, twilio)
    assert len(twilio.accepted) == 1


def test_faults_are_used_in_the_order_queued(http: requests.Session, twilio: FakeTwilio) -> None:
    twilio.fail_next()
    twilio.rate_limit_next()
    twilio.garbage_next()
    assert send(http, twilio).status_code == 500
    assert send(http, twilio).status_code == 429
    assert send(http, twilio).status_code == 201
    assert send(http, twilio).json()["status"] == "queued"
    assert len(twilio.accepted) == 2


def test_faults_apply_to_creates_only(http: requests.Session, twilio: FakeTwilio) -> None:
    twilio.fail_next()
    assert (
        http.get(f"{twilio.url}/2010-04-01/Accounts/{twilio.account_sid}.json", timeout=5).status_code == 200
    )
    assert http.get(messages_url(twilio), timeout=5).status_code == 200
    assert send(http, twilio).status_code == 500


def test_reset_faults(http: requests.Session, twilio: FakeTwilio) -> None:
    twilio.fail_next(times=3)
    twilio.drop_next()
    twilio.delay(5)
    twilio.reset_faults()
    started = time.monotonic()
    assert send(http, twilio).status_code == 201
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.fail_next(times=0),
        lambda t: t.fail_next(200),
        lambda t: t.delay(-1),
        lambda t: t.accept_then_hang_next(-1),
        lambda t: t.drop_next(times=0),
    ],
    ids=["times-0", "status-200", "negative-delay", "negative-hang", "drop-times-0"],
)
def test_control_arguments_are_checked(twilio: FakeTwilio, call: Any) -> None:
    with pytest.raises(ValueError):
        call(twilio)


def test_delay_with_8_concurrent_clients(twilio: FakeTwilio) -> None:
    twilio.delay(0.3)
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        with requests.Session() as session:
            session.auth = twilio.auth
            started = time.monotonic()
            response = send(session, twilio, To=f"+4860123456{n}")
            with lock:
                results.append((response.status_code, time.monotonic() - started))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    elapsed = time.monotonic() - started
    assert sorted(status for status, _ in results) == [201] * 8
    assert all(took >= 0.3 for _, took in results)
    assert elapsed < 0.3 * 3  # served side by side, not one after another (2.4 s)
    assert len(twilio.accepted) == 8
    assert all(r["t_end"] - r["t_start"] >= 0.3 for r in twilio.requests)


def test_stop_does_not_hang_while_a_request_thread_sleeps() -> None:
    fake = FakeTwilio().start()
    fake.accept_then_hang_next(30)
    errors: list[BaseException] = []

    def client() -> None:
        try:
            requests.post(
                messages_url(fake), data={"To": TO, "From": NUMBER, "Body": "x"}, auth=fake.auth, timeout=60
            )
        except requests.RequestException as exc:
            errors.append(exc)

    thread = threading.Thread(target=client)
    thread.start()
    while not fake.accepted:
        time.sleep(0.01)
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], requests.ConnectionError)


# --- fetch, account, list ----------------------------------------------------------------------


def test_fetch_follows_set_status(http: requests.Session, twilio: FakeTwilio) -> None:
    sid = send(http, twilio).json()["sid"]
    assert fetch(http, twilio, sid).json()["status"] == "queued"
    assert fetch(http, twilio, sid).json()["date_sent"] is None
    for status in ("sending", "sent", "delivered"):
        twilio.set_status(sid, status)
        doc = fetch(http, twilio, sid).json()
        assert (doc["status"], doc["error_code"], doc["error_message"]) == (status, None, None)
    assert parsedate_to_datetime(doc["date_sent"]) <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [("undelivered", 30003, "Unreachable destination handset"), ("failed", 30008, "Unknown error")],
    ids=["undelivered-30003", "failed-30008"],
)
def test_fetch_shows_delivery_errors(
    http: requests.Session, twilio: FakeTwilio, status: str, code: int, message: str
) -> None:
    sid = send(http, twilio).json()["sid"]
    twilio.set_status(sid, status, error_code=code)
    doc = fetch(http, twilio, sid).json()
    assert (doc["status"], doc["error_code"], doc["error_message"]) == (status, code, message)


def test_service_message_gets_its_sender_and_segments_when_queued(
    http: requests.Session, twilio: FakeTwilio
) -> None:
    sid = send(http, twilio, From=None, MessagingServiceSid=DEFAULT_SERVICE_SID, Body="ą" * 71).json()["sid"]
    assert fetch(http, twilio, sid).json()["num_segments"] == "0"
    twilio.set_status(sid, "queued")
    doc = fetch(http, twilio, sid).json()
    assert (doc["status"], doc["from"], doc["num_segments"]) == ("queued", NUMBER, "2")


def test_fetch_of_an_unknown_message_is_404(http: requests.Session, twilio: FakeTwilio) -> None:
    sid = "SM" + "0" * 32
    body = assert_error(fetch(http, twilio, sid), 404, 20404)
    path = f"/2010-04-01/Accounts/{twilio.account_sid}/Messages/{sid}.json"
    assert body["message"] == f"The requested resource {path} was not found"


def test_set_status_checks_its_arguments(http: requests.Session, twilio: FakeTwilio) -> None:
    with pytest.raises(KeyError):
        twilio.set_status("SM" + "0" * 32, "sent")
    sid = send(http, twilio).json()["sid"]
    with pytest.raises(ValueError):
        twilio.set_status(sid, "lost")


def test_account_fetch(http: requests.Session, twilio: FakeTwilio) -> None:
    response = http.get(f"{twilio.url}/2010-04-01/Accounts/{twilio.account_sid}.json", timeout=5)
    assert response.status_code == 200
    doc = response.json()
    assert doc["sid"] == doc["owner_account_sid"] == DEFAULT_ACCOUNT_SID
    assert (doc["status"], doc["type"]) == ("active", "Full")
    assert doc["friendly_name"]
    assert doc["uri"] == f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}.json"
    parsedate_to_datetime(doc["date_created"])


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "{account}.json"), ("DELETE", "{account}/Messages.json"), ("GET", "{account}/Calls.json")],
    ids=["post-account-405", "delete-list-405", "unknown-resource-404"],
)
def test_other_methods_and_paths(http: requests.Session, twilio: FakeTwilio, method: str, path: str) -> None:
    url = f"{twilio.url}/2010-04-01/Accounts/" + path.format(account=twilio.account_sid)
    response = http.request(method, url, timeout=5)
    if path.endswith("Calls.json"):
        assert_error(response, 404, 20404)
    else:
        assert_error(response, 405, 20004)


@pytest.fixture
def three_messages(http: requests.Session, twilio: FakeTwilio) -> list[str]:
    """Two to TO (one sent, one still queued) and one sent to another number, oldest first."""
    sids = [send(http, twilio, To=to).json()["sid"] for to in (TO, "+48601234568", TO)]
    twilio.set_status(sids[0], "sent")
    twilio.set_status(sids[1], "delivered")
    return sids


def test_list_filters_by_to_and_from(
    http: requests.Session, twilio: FakeTwilio, three_messages: list[str]
) -> None:
    response = http.get(messages_url(twilio), params={"To": TO}, timeout=5)
    assert response.status_code == 200
    doc = response.json()
    assert set(doc) == {
        "end",
        "first_page_uri",
        "messages",
        "next_page_uri",
        "page",
        "page_size",
        "previous_page_uri",
        "start",
        "uri",
    }
    assert [m["sid"] for m in doc["messages"]] == [three_messages[2], three_messages[0]]  # newest first
    assert (doc["page"], doc["page_size"], doc["start"], doc["end"]) == (0, 50, 0, 1)
    assert doc["next_page_uri"] is None and doc["previous_page_uri"] is None
    assert (
        doc["uri"]
        == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json?To=%2B48601234567&PageSize=50&Page=0"
    )
    assert len(http.get(messages_url(twilio), params={"From": NUMBER}, timeout=5).json()["messages"]) == 3
    assert http.get(messages_url(twilio), params={"From": "Gabinet"}, timeout=5).json()["messages"] == []


def test_list_filters_by_date_sent(
    http: requests.Session, twilio: FakeTwilio, three_messages: list[str]
) -> None:
    today = datetime.now(UTC).date()

    def sids(**params: str) -> list[str]:
        response = http.get(messages_url(twilio), params=params, timeout=5)
        assert response.status_code == 200
        return [m["sid"] for m in response.json()["messages"]]

    sent = {three_messages[0], three_messages[1]}  # the queued one has no date_sent
    assert set(sids(**{"DateSent>": today.isoformat()})) == sent
    assert set(sids(**{"DateSent": today.isoformat()})) == sent
    assert set(sids(**{"DateSent<": today.isoformat()})) == sent
    assert sids(**{"DateSent<": (today - timedelta(days=1)).isoformat()}) == []
    assert sids(**{"DateSent>": (today + timedelta(days=1)).isoformat()}) == []
    assert sids(**{"DateSent>": today.isoformat(), "To": TO}) == [three_messages[0]]
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert set(sids(**{"DateSent>": an_hour_ago})) == sent
    # the docs' spelling, DateSent>=YYYY-MM-DD, typed straight into the URL
    raw = http.get(f"{messages_url(twilio)}?DateSent>={today.isoformat()}&To=%2B48601234567", timeout=5)
    assert [m["sid"] for m in raw.json()["messages"]] == [three_messages[0]]


def test_list_with_an_unreadable_date_is_400(http: requests.Session, twilio: FakeTwilio) -> None:
    response = http.get(messages_url(twilio), params={"DateSent>": "yesterday"}, timeout=5)
    assert response.status_code == 400


def test_list_pages(http: requests.Session, twilio: FakeTwilio, three_messages: list[str]) -> None:
    first = http.get(messages_url(twilio), params={"PageSize": "2"}, timeout=5).json()
    assert len(first["messages"]) == 2
    assert first["next_page_uri"]
    second = http.get(twilio.url + first["next_page_uri"], timeout=5).json()
    assert (second["page"], second["start"], second["end"]) == (1, 2, 2)
    assert second["next_page_uri"] is None
    assert second["previous_page_uri"]
    listed = [m["sid"] for m in first["messages"] + second["messages"]]
    assert sorted(listed) == sorted(three_messages)


# --- the request log ---------------------------------------------------------------------------


def test_requests_are_logged(http: requests.Session, twilio: FakeTwilio) -> None:
    sid = send(http, twilio, Body="Zażółć").json()["sid"]
    fetch(http, twilio, sid)
    create, get = twilio.requests
    assert create["method"] == "POST"
    assert create["path"] == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert create["form"] == {"To": TO, "From": NUMBER, "Body": "Zażółć"}
    assert create["headers"]["Authorization"].startswith("Basic ")
    assert (create["status"], create["sid"], create["fault"]) == (201, sid, None)
    assert create["response"]["sid"] == sid
    assert create["t_start"] <= create["t_end"] <= get["t_start"] <= get["t_end"]
    assert (get["method"], get["status"], get["params"], get["form"]) == ("GET", 200, {}, {})
