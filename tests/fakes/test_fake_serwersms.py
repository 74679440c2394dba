"""The SerwerSMS fake answers as the docs and the official clients say (see its module docstring)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.fakes.fake_serwersms import FakeSerwersms


@pytest.fixture
def fake() -> Any:
    with FakeSerwersms() as server:
        yield server


def call(fake: FakeSerwersms, action: str, body: Any, token: str = "test-token") -> Any:
    response = requests.post(
        f"{fake.url}/{action}.json", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert response.status_code == 200
    return response.json()


def test_a_wrong_token_is_error_1001_in_the_documented_shape(fake) -> None:
    assert call(fake, "messages/send_sms", {"phone": "+48500600700", "text": "x"}, token="nope") == {
        "error": {"code": 1001, "type": "InvalidUser", "message": "Incorrect login or password"}
    }
    assert fake.accepted == []


def test_send_with_details_and_unique_id(fake) -> None:
    doc = call(
        fake,
        "messages/send_sms",
        {"phone": ["+48500600700", "+48500"], "text": "Tak", "unique_id": ["abc1", "abc2"], "details": True},
    )
    assert (doc["success"], doc["queued"], doc["unsent"]) == (True, 1, 1)
    sent, unsent = doc["items"]
    assert sent["status"] == "queued" and len(sent["id"]) == 10 and sent["parts"] == 1
    assert (unsent["status"], unsent["error_code"]) == ("unsent", 2001)
    assert fake.accepted[0]["key"] == "abc1"
    assert call(fake, "messages/reports", {"unique_id": "abc1"})["items"][0]["id"] == sent["id"]


@pytest.mark.parametrize("ids", [["ab"], ["abc-1"], ["abc1", "abc2"]])
def test_a_bad_or_miscounted_unique_id_sends_nothing(fake, ids: list[str]) -> None:
    doc = call(fake, "messages/send_sms", {"phone": "+48500600700", "text": "x", "unique_id": ids})
    assert doc["error"]["code"] == 2000 and fake.accepted == []


def test_recived_items_are_the_documented_ones_and_read_consumes(fake) -> None:
    fake.receive("+48500600700", "Przyjade o 16", message_id="eba39e4fe1")
    fake.receive("+48500600700", "SerwerSMS.pl", kind="nd")
    items = call(fake, "messages/recived", {})["items"]
    assert [sorted(i) for i in items] == [
        ["blacklist", "id", "message_id", "phone", "recived", "text", "type"],
        ["blacklist", "id", "phone", "recived", "text", "type"],
    ]
    assert len(call(fake, "messages/recived", {"type": "eco", "read": True})["items"]) == 1
    assert [i["type"] for i in call(fake, "messages/recived", {})["items"]] == ["nd"]


def test_limits_values_are_strings(fake) -> None:
    doc = call(fake, "account/limits", {"show_type": True})
    assert doc["account"] == {"type": "prepaid"}
    assert all(isinstance(i["value"], str) for i in doc["items"])


def test_faults_apply_to_sending_only(fake) -> None:
    fake.fail_next(status=503)
    assert call(fake, "account/limits", {})["items"]
    r = requests.post(
        f"{fake.url}/messages/send_sms.json",
        json={},
        headers={"Authorization": "Bearer test-token"},
        timeout=5,
    )
    assert r.status_code == 503
