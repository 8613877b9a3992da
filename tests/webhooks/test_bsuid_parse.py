"""Webhook bodies that name users by BSUID (fixtures written from Meta's webhook references)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wabroadcast.webhooks.parse import IdentityChange, parse_payload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"
NOW = datetime(2026, 12, 7, tzinfo=UTC)
ANA = "BR.1502576394655843"


def _parse(name: str) -> Any:
    return parse_payload(json.loads((FIXTURES / f"{name}.json").read_text()), NOW)


def test_a_status_of_a_bsuid_send_has_no_recipient_id_but_its_user_id() -> None:
    (status,) = _parse("status_sent_bsuid").statuses
    assert (status.recipient_id, status.user_id, status.status) == (None, ANA, "sent")


def test_a_reply_without_a_number_carries_its_bsuid() -> None:
    (message,) = _parse("inbound_text_bsuid").messages
    assert (message.from_wa_id, message.from_user_id) == (None, ANA)
    assert message.identity_change is None


def test_user_changed_user_id_names_the_new_and_the_previous_bsuid() -> None:
    parsed = _parse("system_user_changed_user_id")
    (message,) = parsed.messages
    assert not parsed.problems
    assert message.type == "system" and message.from_user_id == ANA
    assert message.identity_change == IdentityChange(
        type="user_changed_user_id", new_user_id="BR.3319562041183725", previous_user_id=ANA
    )


def test_user_changed_number_names_the_new_number() -> None:
    (message,) = _parse("system_user_changed_number").messages
    assert message.from_wa_id == "5511987654321"
    change = message.identity_change
    assert change is not None and change.type == "user_changed_number"
    assert (change.new_wa_id, change.previous_user_id) == ("5511912345678", ANA)


def test_other_system_messages_change_no_identity() -> None:
    payload = json.loads((FIXTURES / "system_user_changed_user_id.json").read_text())
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["system"]["type"] = "customer_identity_changed"
    (parsed,) = parse_payload(payload, NOW).messages
    assert parsed.identity_change is None
