"""The client against the real simulator: every Outcome end to end, over HTTP."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from tests.cloudapi.support import assert_no_token, connected, make_client
from wabroadcast.cloudapi import CloudAPIError, GraphError, Outcome, UncertainError
from wabroadcast.cloudapi.payloads import parse_send_result
from wabroadcast.simulator import Fate


async def _error(coro: object) -> GraphError:
    with pytest.raises(GraphError) as info:
        await coro  # type: ignore[misc]
    assert_no_token(info.value)
    return info.value


@pytest.mark.anyio
async def test_send_template_is_accepted_and_recorded() -> None:
    async with connected() as (client, simulator):
        result = await client.send_template(
            "+905551234567", "daily_offer", "tr", callback_data="s=11;c=3"
        )
    assert result.input == "+905551234567"
    assert result.wa_id == "905551234567"
    assert result.message_status is None
    assert result.message_id.startswith("wamid.")
    raw = base64.b64decode(result.message_id.removeprefix("wamid."))
    assert b"905551234567" in raw
    [accepted] = simulator.accepted
    assert accepted.message_id == result.message_id
    assert (accepted.template, accepted.language) == ("daily_offer", "tr")
    assert accepted.callback_data == "s=11;c=3"
    assert accepted.fate is Fate.DELIVERED


@pytest.mark.anyio
async def test_components_reach_the_simulator() -> None:
    components = [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]
    async with connected() as (client, simulator):
        await client.send_template("+5511987654321", "spring_sale", "pt_BR", components)
    assert simulator.accepted[0].components == tuple(components)


@pytest.mark.anyio
async def test_digits_only_number_is_sent_with_a_plus() -> None:
    """Without `+` Meta prepends the business number's country code (+1 here)."""
    async with connected() as (client, simulator):
        result = await client.send_template("905551234567", "daily_offer", "tr")
    assert result.input == "+905551234567"
    assert simulator.accepted[0].wa_id == "905551234567"


@pytest.mark.anyio
async def test_throughput_exceeded_is_throttled() -> None:
    async with connected(clock_time=100.0, rate=2.0) as (client, simulator):
        await client.send_template("+905551234501", "daily_offer", "tr")
        await client.send_template("+905551234502", "daily_offer", "tr")
        error = await _error(client.send_template("+905551234503", "daily_offer", "tr"))
    assert (error.code, error.outcome) == (130429, Outcome.THROTTLED)
    assert error.details == "Cloud API message throughput has been reached."
    assert len(simulator.accepted) == 2


@pytest.mark.anyio
async def test_pair_limit_is_pair_limited_for_that_recipient_only() -> None:
    async with connected(clock_time=5.0, pair_burst=2) as (client, simulator):
        for template, language in (("daily_offer", "tr"), ("daily_offer", "en_US")):
            await client.send_template("+905551234567", template, language)
        error = await _error(client.send_template("+905551234567", "hello_world", "en_US"))
        await client.send_template("+905559876543", "hello_world", "en_US")
    assert (error.code, error.outcome) == (131056, Outcome.PAIR_LIMITED)
    assert [m.wa_id for m in simulator.accepted] == ["905551234567"] * 2 + ["905559876543"]


@pytest.mark.anyio
async def test_injected_server_errors_are_transient_and_send_nothing() -> None:
    seen: set[tuple[int | None, int | None]] = set()
    async with connected(error_5xx_rate=1.0) as (client, simulator):
        for n in range(30):
            error = await _error(client.send_template(f"+9055512345{n:02d}", "daily_offer", "tr"))
            assert error.outcome is Outcome.TRANSIENT
            seen.add((error.code, error.http_status))
    assert seen == {(131000, 500), (131016, 503), (None, 502)}
    assert simulator.accepted == []


@pytest.mark.parametrize(
    ("template", "language", "code"),
    [
        ("no_such_template", "tr", 132001),
        ("daily_offer", "en", 132001),  # en_US exists; en does not
        ("new_launch", "en_US", 132001),  # PENDING: not approved
        ("old_promo", "en_US", 132016),
        ("spring_sale", "pt_BR", 132000),  # needs 1 body parameter, got none
    ],
)
@pytest.mark.anyio
async def test_template_problems_are_campaign_fatal(
    template: str, language: str, code: int
) -> None:
    async with connected() as (client, simulator):
        error = await _error(client.send_template("+905551234567", template, language))
    assert (error.code, error.outcome) == (code, Outcome.CAMPAIGN_FATAL)
    assert error.fbtrace_id and error.details
    assert simulator.accepted == []


@pytest.mark.anyio
async def test_a_paused_template_pauses_the_campaign_instead_of_ending_it() -> None:
    """132015: Meta paused the template for low quality; a person unpauses it and resumes."""
    async with connected() as (client, simulator):
        error = await _error(client.send_template("+905551234567", "winter_sale", "en_US"))
    assert (error.code, error.outcome) == (132015, Outcome.CAMPAIGN_PAUSE)
    assert simulator.accepted == []


@pytest.mark.anyio
async def test_wrong_token_is_campaign_fatal_190() -> None:
    expired = "EAAG-an-expired-token-000000000000"
    async with connected(client_token=expired) as (client, _):
        error = await _error(client.send_template("+905551234567", "daily_offer", "tr"))
    assert expired not in str(error)
    assert (error.code, error.http_status, error.outcome) == (190, 401, Outcome.CAMPAIGN_FATAL)


@pytest.mark.parametrize(
    ("to", "code"), [("+90 555 ABC 4567", 100), ("+90555", 131009), ("+9055512345678901", 131009)]
)
@pytest.mark.anyio
async def test_malformed_number_is_recipient_permanent(to: str, code: int) -> None:
    async with connected() as (client, simulator):
        error = await _error(client.send_template(to, "daily_offer", "tr"))
    assert (error.code, error.outcome) == (code, Outcome.RECIPIENT_PERMANENT)
    assert simulator.accepted == []


@pytest.mark.anyio
async def test_wrong_phone_number_id_is_campaign_fatal() -> None:
    async with connected() as (client, _):
        client.phone_number_id = "999999999999999"
        error = await _error(client.send_template("+905551234567", "daily_offer", "tr"))
    assert (error.code, error.subcode, error.outcome) == (100, 33, Outcome.CAMPAIGN_FATAL)


@pytest.mark.anyio
async def test_unreachable_number_is_accepted_then_fated_to_fail_131026() -> None:
    async with connected(unreachable=frozenset({"+905550000001"})) as (client, simulator):
        result = await client.send_template("+905550000001", "daily_offer", "tr")
    [accepted] = simulator.accepted
    assert accepted.message_id == result.message_id
    assert (accepted.fate, accepted.error_code) == (Fate.FAILED, 131026)


@pytest.mark.anyio
async def test_unreadable_200_is_uncertain() -> None:
    """HTTP 200 means Meta accepted it; without a message id we cannot know which one."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>proxy page</html>")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = make_client(http)
        with pytest.raises(UncertainError) as info:
            await client.send_template("+905551234567", "daily_offer", "tr")
    assert info.value.outcome is Outcome.UNCERTAIN
    assert_no_token(info.value)


@pytest.mark.anyio
async def test_callback_data_over_512_characters_is_refused_before_sending() -> None:
    async with connected() as (client, simulator):
        with pytest.raises(ValueError, match="512"):
            await client.send_template(
                "+905551234567", "daily_offer", "tr", callback_data="x" * 513
            )
    assert simulator.counters["requests"] == 0


def test_cloud_api_error_default_is_transient() -> None:
    assert CloudAPIError("x").outcome is Outcome.TRANSIENT


@pytest.mark.parametrize(("status", "uncertain"), [(504, True), (502, False), (503, False)])
@pytest.mark.anyio
async def test_bare_gateway_timeout_on_a_send_is_uncertain(status: int, uncertain: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text="<html>gateway</html>")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = make_client(http)
        with pytest.raises(CloudAPIError) as info:
            await client.send_template("+905551234567", "daily_offer", "tr")
        with pytest.raises(CloudAPIError) as read:
            await client.phone_number_info()
    assert isinstance(info.value, UncertainError) is uncertain
    expected = Outcome.UNCERTAIN if uncertain else Outcome.TRANSIENT
    assert info.value.outcome is expected
    assert read.value.outcome is Outcome.TRANSIENT


@pytest.mark.anyio
async def test_a_send_held_under_pacing_says_so() -> None:
    async with connected(hold_rate=1.0) as (client, _):
        result = await client.send_template("+905551234567", "daily_offer", "tr")
    assert (result.message_status, result.held) == ("held_for_quality_assessment", True)


@pytest.mark.parametrize(
    ("fixture", "held"),
    [("held_for_quality_assessment", True), ("accepted_under_pacing", False)],
)
def test_message_status_of_metas_answers_is_read(fixture: str, held: bool) -> None:
    path = Path(__file__).resolve().parents[1] / "fixtures" / "cloudapi" / "sends"
    body = json.loads((path / f"{fixture}.json").read_text())
    result = parse_send_result(body)
    assert result.message_status == body["messages"][0]["message_status"]
    assert result.held is held
    paused = {**body, "messages": [{"id": "wamid.x", "message_status": "paused"}]}
    assert parse_send_result(paused).held  # SDK types list it (unconfirmed): read as held
