"""The one error table against Graph error bodies (tests/fixtures/cloudapi/errors/*.json).

Each fixture holds the HTTP status, the body as Meta sends it (cloudapi.md §2) and the outcome
the engine must act on. They go through the real client over an HTTP transport, so parsing and
classification are tested together.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cloudapi.support import TOKEN, assert_no_token, make_client
from wabroadcast.cloudapi import GraphError, Outcome, classify, reason
from wabroadcast.cloudapi.errors import ERROR_TABLE, about_recipient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cloudapi" / "errors"
CASES = sorted(FIXTURES.glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _transport(case: dict[str, Any]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if case["body"] is None:
            return httpx.Response(case["http_status"], text="<html>502 Bad Gateway</html>")
        return httpx.Response(case["http_status"], json=case["body"])

    return httpx.MockTransport(handler)


def test_there_are_fixtures_for_every_outcome_but_uncertain() -> None:
    outcomes = {_load(path)["outcome"] for path in CASES}
    assert outcomes == {o.value for o in Outcome} - {Outcome.UNCERTAIN.value}


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
@pytest.mark.anyio
async def test_error_body_is_classified(path: Path) -> None:
    case = _load(path)
    async with httpx.AsyncClient(transport=_transport(case)) as http:
        client = make_client(http)
        with pytest.raises(GraphError) as info:
            await client.send_template("+905551234567", "daily_offer", "tr")
    error = info.value
    assert error.outcome.value == case["outcome"], (error.code, error.details)
    assert error.http_status == case["http_status"]
    body = (case["body"] or {}).get("error", {})
    assert error.code == body.get("code")
    assert error.fbtrace_id == body.get("fbtrace_id")
    assert error.details == body.get("error_data", {}).get("details")
    if error.fbtrace_id:
        assert error.fbtrace_id in str(error)  # logged for Meta support
    assert_no_token(error)


@pytest.mark.anyio
async def test_token_echoed_by_a_server_is_scrubbed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"].removeprefix("Bearer ")
        body = {
            "error": {
                "message": f"Malformed access token {token}",
                "code": 190,
                "error_data": {"details": f"token={token}"},
                "type": "OAuthException",
            }
        }
        return httpx.Response(401, json=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = make_client(http)
        with pytest.raises(GraphError) as info:
            await client.send_template("+905551234567", "daily_offer", "tr")
    assert info.value.outcome is Outcome.CAMPAIGN_FATAL
    assert "****" in info.value.message
    assert TOKEN not in (info.value.details or "")
    assert_no_token(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Parameter 'to' is not a valid phone number", True),
        ("Invalid parameter to: +90abc", True),
        ("Recipient phone number not valid", True),
        ("Parameter Invalid", False),
        ("The parameter to is required.", False),
        ("Invalid phone number id 123", False),
        ("Param recipient_type must be individual", False),
        ("Param template['name'] is not valid", False),
    ],
)
def test_about_recipient(text: str, expected: bool) -> None:
    assert about_recipient(text) is expected


def test_recipient_rule_only_applies_to_100_and_131009() -> None:
    text = "Parameter 'to' is not a valid phone number"
    assert classify(100, 400, text=text) is Outcome.RECIPIENT_PERMANENT
    assert classify(131009, 400, text=text) is Outcome.RECIPIENT_PERMANENT
    assert classify(132000, 400, text=text) is Outcome.CAMPAIGN_FATAL
    assert classify(100, 400) is Outcome.CAMPAIGN_FATAL


def test_code_wins_over_http_status() -> None:
    assert classify(130429, 500) is Outcome.THROTTLED
    assert classify(190, 200) is Outcome.CAMPAIGN_FATAL
    assert classify(None, 503) is Outcome.TRANSIENT
    assert classify(None, 403) is Outcome.CAMPAIGN_FATAL


def test_every_table_row_has_a_reason() -> None:
    for code, (outcome, text) in ERROR_TABLE.items():
        assert isinstance(outcome, Outcome)
        assert reason(code) == text and text
    assert reason(250) == "missing permission"
    assert reason(None) == "no error code"


def test_graph_error_from_a_body_without_error_object() -> None:
    error = GraphError.from_body(["not", "a", "dict"], 500)
    assert (error.code, error.outcome) == (None, Outcome.TRANSIENT)
    assert "HTTP 500" in str(error)
    assert "outcome='transient'" in repr(error)
