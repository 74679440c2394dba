"""The gateways against what their official sources say (issue 12).

Two kinds of proof: answers transcribed from the official client libraries' own test fixtures
(tests/fakes/fixtures/, each naming its source) replayed through our parsers, and runs through
the CLI against the fakes, corrected to behave as those sources say the real services do.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from smsremind import config
from smsremind.errors import GatewayError
from smsremind.sending import gateways
from smsremind.sending.gateways.base import Outcome, Result, Sms
from smsremind.sending.gateways.smsbrana import auth_hash
from tests.conftest import Cli, csv_file
from tests.fakes.fake_smsapi import FakeSmsapi
from tests.fakes.fake_smsbrana import FakeSmsbrana
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fakeserver import Reply
from tests.fakes.replay import Replay, fixture
from tests.sending.test_gateways import gateway_config, load, per_message

XML = "text/xml; charset=utf-8"
SMS = Sms("k" * 20, "+420603123456", "Gabinet", "Připomínka: zítra v 9:00", 3, "reminder")


def replay(make_app: Any, name: str, *answers: Reply) -> tuple[Replay, Any]:
    """A gateway of ``name`` whose server answers ``answers``."""
    server = Replay(*answers).start()
    app = make_app(gateway_config(name, server))
    return server, gateways.make(config.load(app.folder / "smsremind.toml"))


def send_through(make_app: Any, name: str, *answers: Reply) -> tuple[Replay, Result]:
    server, gateway = replay(make_app, name, *answers)
    try:
        return server, gateway.send(SMS, now=None)  # type: ignore[arg-type]
    finally:
        gateway.close()
        server.stop()


# --- SMSAPI: official fixtures -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "gateway_id", "parts"),
    [
        ("smsapi_send_details.json", 200, "someId", 1),  # JS client: parts per item
        ("smsapi_send_detailed_response.json", 201, "1", 1),  # Python client: parts at the top
        ("smsapi_send_python_fixture.json", 201, "1", 3),  # no parts in the answer: our count
    ],
)
def test_smsapi_official_send_answers(make_app, name: str, status: int, gateway_id: str, parts: int) -> None:
    doc = fixture(name)
    body = doc.get("response", doc)
    server, result = send_through(make_app, "smsapi", Reply(doc.get("status_code", status), body))
    assert result == Result(Outcome.ACCEPTED, gateway_id=gateway_id, parts=parts)
    [sent] = server.requests
    assert sent["form"]["details"] == "1" and sent["form"]["check_idx"] == "1"
    assert sent["form"]["idx"] == SMS.key


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("smsapi_error_invalid_numbers.json", "SMSAPI 13: No correct phone numbers"),
        ("smsapi_error_301.json", "SMSAPI 301: Not exists ID message"),
    ],
)
def test_smsapi_official_error_answers(make_app, name: str, reason: str) -> None:
    doc = fixture(name)
    _server, result = send_through(make_app, "smsapi", Reply(doc["status_code"], doc["response"]))
    assert (result.outcome, result.reason) == (Outcome.REJECTED, reason)


@pytest.mark.parametrize(
    "body",
    [
        {"error": "not_found", "message": "Not found"},  # the REST endpoints' word errors
        {"error": [1], "message": "?"},
        ["not", "an", "object"],
        {"count": 1, "list": []},
    ],
    ids=["word-error", "list-error", "json-list", "empty-list"],
)
def test_smsapi_unreadable_answers_are_unknown(make_app, body: Any) -> None:
    _server, result = send_through(make_app, "smsapi", Reply(200, body))
    assert result.outcome is Outcome.UNKNOWN and result.reason.startswith("SMSAPI answered something")


def test_smsapi_word_error_through_the_cli(make_app) -> None:
    """A non-numeric error used to raise ValueError ("internal error"): now unknown, asked again."""
    with FakeSmsapi() as fake:
        app = make_app("[quota]\nalerts = []\n" + gateway_config("smsapi", fake))
        load(app, 2)
        fake.fail_next(status=200, body={"error": "not_found", "message": "Not found"})
        result = app("run", "--json", now="2026-11-30 19:00")  # exit 0
        assert result.stderr == "" and '"sent": 2' in result.stdout
        assert len(fake.accepted) == 2 and set(per_message(fake).values()) == {1}


def test_smsapi_quota_charges_the_parts_smsapi_bills(make_app) -> None:
    with FakeSmsapi() as fake:
        app = make_app("[quota]\nalerts = []\n" + gateway_config("smsapi", fake))
        load(app, 3)
        fake.bill_parts = 2  # our count says 1 part each
        report = app.json("run", now="2026-11-30 19:00")
        assert report["sent"] == 3 and {m["parts"] for m in report["messages"]} == {2}
        assert app.json("quota", now="2026-11-30 19:01")["used_this_month"] == 6


@pytest.mark.parametrize("final", ["NOT_FOUND", "UNKNOWN", "ACCEPTED"])
def test_smsapi_final_statuses_are_not_asked_again(make_app, final: str) -> None:
    with FakeSmsapi() as fake:
        app = make_app("[quota]\nalerts = []\n" + gateway_config("smsapi", fake))
        load(app, 1)
        app("run", now="2026-11-30 19:00")
        fake.set_delivery(fake.accepted[0]["id"], final)
        app("run", now="2026-11-30 19:15")
        asked = len(fake.requests)
        app("run", now="2026-11-30 20:30")  # past the hourly re-ask of a pending report
        assert len(fake.requests) == asked
        counts = app.json("status", now="2026-11-30 20:31")["deliveries"]["counts"]
        assert counts == {final.lower(): 1}


def notice_due(app: Cli) -> None:
    """A confirmation owed for a visit two weeks ahead (still good to send for days), nothing else."""
    head = "id,start,phone,patient,practice\n"
    old = head + "1,2026-12-20 10:00,+48601230001,Stary,Gabinet\n"
    app("import", str(csv_file(app.folder, old, "old.csv")), now="2026-11-20 10:00")  # the baseline
    new = head + "900,2026-12-15 10:00,+48601239999,Nowy,Gabinet\n"
    app("import", str(csv_file(app.folder, new, "new.csv")), now="2026-11-30 18:00")


def test_smsapi_message_left_sending_past_the_idx_window_is_never_resent(make_app) -> None:
    with FakeSmsapi() as fake:
        app = make_app(
            "[notify]\nconfirmation = true\n[quota]\nalerts = []\n" + gateway_config("smsapi", fake)
        )
        notice_due(app)
        fake.accept_then_drop_next(times=10)  # accepted, but no answer ever comes back
        first = app.json("run", now="2026-11-30 19:00", code=None)
        assert [m["status"] for m in first["messages"]] == ["sending"]
        fake.reset_faults()
        fake.advance(25 * 3600)  # SMSAPI forgets the idx after 24 h
        app("run", now="2026-12-01 20:00", code=3)
        assert len(fake.accepted) == 1  # resending now would have sent it twice
        [unknown] = app.json("status", now="2026-12-01 20:01")["attention"]
        assert unknown["status"] == "unknown" and "no longer remembers its key" in unknown["reason"]


def test_smsapi_message_left_sending_within_the_window_is_resolved_with_its_key(make_app) -> None:
    with FakeSmsapi() as fake:
        app = make_app(
            "[notify]\nconfirmation = true\n[quota]\nalerts = []\n" + gateway_config("smsapi", fake)
        )
        notice_due(app)
        fake.accept_then_drop_next(times=10)
        app("run", now="2026-11-30 19:00", code=None)
        fake.reset_faults()
        fake.advance(20 * 3600)
        report = app.json("run", now="2026-12-01 15:00")
        assert [(m["kind"], m["status"]) for m in report["messages"]] == [("confirmation", "sent")]
        assert len(fake.accepted) == 1


# --- SMSbrána ------------------------------------------------------------------------------------


def test_smsbrana_auth_vector() -> None:
    vector = fixture("smsbrana_auth_vector.json")
    assert auth_hash(vector["password"], vector["time"], vector["sul"]) == vector["expected_auth"]


def test_smsbrana_official_answers_and_request(make_app) -> None:
    answer = Reply(200, fixture("smsbrana_send_sms_success.xml"), XML)
    server, result = send_through(make_app, "smsbrana", answer)
    assert result == Result(Outcome.ACCEPTED, gateway_id="377351", parts=1)
    [sent] = server.requests
    assert sent["method"] == "GET" and sent["form"] == {}  # everything in the query, as sms-connect
    query = sent["query"]
    assert set(query) == {
        "action", "login", "sul", "time", "hash", "number", "message", "data_code", "user_id",
        "delivery_report",
    }  # fmt: skip
    assert (query["number"], query["data_code"], query["message"]) == (SMS.to, "ucs2", SMS.text)
    assert query["hash"] == auth_hash("secret", query["time"], query["sul"])


def test_smsbrana_official_error_answer(make_app) -> None:
    answer = Reply(200, fixture("smsbrana_send_sms_error4.xml"), XML)
    with pytest.raises(GatewayError, match="SMSbrána 4: the clock differs"):
        send_through(make_app, "smsbrana", answer)


CZECH = "{practice}: připomínáme návštěvu {date} v {time}. Těšíme se, ďábelské ódy."


def test_smsbrana_czech_text_arrives_whole(make_app) -> None:
    """Without data_code=ucs2 the 7bit default loses every háček and čárka."""
    with FakeSmsbrana() as fake:
        app = make_app("[quota]\nalerts = []\n" + gateway_config("smsbrana", fake))
        load(app, 2)
        app("templates", "set", "reminder", CZECH)
        report = app.json("run", now="2026-11-30 19:00")
        assert report["sent"] == 2
        assert sorted(m["text"] for m in fake.accepted) == sorted(m["text"] for m in report["messages"])
        assert all("připomínáme" in m["text"] for m in fake.accepted)
        assert [m["parts"] for m in fake.accepted] == [m["parts"] for m in report["messages"]] == [2, 2]
        assert {r["params"]["data_code"] for r in fake.requests if r["action"] == "send_sms"} == {"ucs2"}
        assert {r["params"]["number"][:4] for r in fake.requests if r["action"] == "send_sms"} == {"+486"}


def test_smsbrana_plain_text_goes_as_7bit(make_app) -> None:
    with FakeSmsbrana() as fake:
        app = make_app("[quota]\nalerts = []\n" + gateway_config("smsbrana", fake))
        load(app, 1)
        app("templates", "set", "reminder", "{practice}: wizyta {date} o {time}.")
        assert app.json("run", now="2026-11-30 19:00")["sent"] == 1
        [request] = [r for r in fake.requests if r["action"] == "send_sms"]
        assert request["method"] == "GET" and request["params"]["data_code"] == "7bit"


def test_smsbrana_sender_id_is_the_admin_id(make_app) -> None:
    with FakeSmsbrana() as fake:
        app = make_app("[quota]\nalerts = []\n" + gateway_config("smsbrana", fake) + "sender_id = 1234\n")
        load(app, 1)
        app("run", now="2026-11-30 19:00")
        assert [m["sender"] for m in fake.accepted] == ["1234"]


@pytest.mark.parametrize("value", ["true", '"Gabinet"', "-3", '"12a"'])
def test_smsbrana_sender_id_must_be_an_id(make_app, value: str) -> None:
    app = make_app()
    toml = app.folder / "smsremind.toml"
    toml.write_text(toml.read_text() + f'[gateway]\nprovider = "smsbrana"\nsender_id = {value}\n')
    result = app("status", code=1)
    assert "sender_id" in result.stderr and "SMSbrána admin" in result.stderr
    assert result.stderr.count("\n") == 1


# --- Twilio --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("twilio_error_legacy.json", "Twilio 20001: Bad request"),
        ("twilio_error_rfc9457.json", "Twilio 20001: The 'PhoneNumber' parameter is required."),
    ],
)
def test_twilio_official_error_bodies(make_app, name: str, reason: str) -> None:
    _server, result = send_through(make_app, "twilio", Reply(400, fixture(name)))
    assert (result.outcome, result.reason) == (Outcome.REJECTED, reason)


def twilio_app(make_app: Any, fake: FakeTwilio) -> Cli:
    return make_app("[quota]\nalerts = []\n" + gateway_config("twilio", fake))


def test_twilio_status_fetch_errors_are_not_delivery_states(make_app) -> None:
    with FakeTwilio() as fake:
        app = twilio_app(make_app, fake)
        load(app, 1)
        app("run", now="2026-11-30 19:00")
        fake.fail_fetch_next(429)
        app("run", now="2026-11-30 19:15")
        counts = app.json("status", now="2026-11-30 19:16")["deliveries"]["counts"]
        assert counts == {"no report": 1}  # not "429"
        fake.forget(fake.accepted[0]["id"])
        app("run", now="2026-11-30 20:30")
        assert app.json("status", now="2026-11-30 20:31")["deliveries"]["counts"] == {"not-found": 1}
        asked = len(fake.requests)
        app("run", now="2026-11-30 22:00")
        assert len(fake.requests) == asked  # 404 is final: never asked again


def test_smsbrana_query_never_reaches_the_debug_log(make_app, caplog: pytest.LogCaptureFixture) -> None:
    """The number and the text travel in the query string: -vv must not print them."""
    caplog.set_level(logging.DEBUG)
    with FakeSmsbrana() as fake:
        app = make_app(gateway_config("smsbrana", fake))
        gateway = gateways.make(config.load(app.folder / "smsremind.toml"))
        try:
            assert gateway.send(SMS, now=None).outcome is Outcome.ACCEPTED  # type: ignore[arg-type]
        finally:
            gateway.close()
    assert "/smsconnect/http.php?…" in caplog.text
    assert "603123456" not in caplog.text and "zítra" not in caplog.text


def test_twilio_check_with_an_unreadable_answer_is_one_line(make_app) -> None:
    with Replay(Reply(200, "<html>captive portal</html>", "text/html")) as server:
        app = make_app(gateway_config("twilio", server))
        result = app("gateway", "check", code=1)
        assert result.stderr.startswith("smsremind: error: Twilio answered the account check with something")
        assert "internal error" not in result.stderr and result.stderr.count("\n") == 1
