"""The client's Marketing Messages API request, and what the engine makes of its refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cloudapi.support import make_client
from wabroadcast.cloudapi.errors import GraphError
from wabroadcast.cloudapi.marketing import TERMS_SENTENCE, MarketingOptions
from wabroadcast.engine.routing import Route, on_refusal

CLOUDAPI = Path(__file__).resolve().parents[1] / "fixtures" / "cloudapi"
ERRORS = CLOUDAPI / "errors"
SEND = CLOUDAPI / "marketing_messages_send.json"
TERMS = "10_marketing_messages_terms_not_accepted"
NOW = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def refusal(name: str) -> GraphError:
    case = json.loads((ERRORS / f"{name}.json").read_text())
    return GraphError.from_body(case["body"], case["http_status"])


async def sent(marketing: MarketingOptions | None) -> tuple[str, dict[str, Any]]:
    """The path and JSON body one send_template call puts on the wire."""
    seen: list[httpx.Request] = []
    answer = json.loads(SEND.read_text())["answer"]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        result = await make_client(http).send_template(
            "905551234567", "daily_offer", "tr", marketing=marketing
        )
    assert result.message_id == answer["messages"][0]["id"]
    (request,) = seen
    return request.url.path, json.loads(request.content)


@pytest.mark.anyio
async def test_marketing_options_send_the_fixture_request_to_marketing_messages() -> None:
    expected = json.loads(SEND.read_text())["request"]
    path, body = await sent(MarketingOptions("CLOUD_API_FALLBACK", True))
    assert path.endswith("/marketing_messages")
    assert body == expected
    path, body = await sent(MarketingOptions("STRICT"))
    assert body["product_policy"] == "STRICT" and "message_activity_sharing" not in body
    path, body = await sent(None)
    assert path.endswith("/messages") and "product_policy" not in body


def test_an_unknown_product_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="product_policy must be one of"):
        MarketingOptions("SOMETIMES")


def test_prefer_falls_back_once_on_terms_and_on_an_ineligible_template() -> None:
    route = Route("prefer", MarketingOptions())
    first = on_refusal(route, refusal(TERMS), NOW, via_marketing=True)
    assert first is not None and first.retry_on_messages and first.pause is None
    assert first.note is not None and "2026-12-07 14:30 UTC" in first.note
    assert route.marketing is None and route.fell_back
    again = on_refusal(route, refusal(TERMS), NOW, via_marketing=True)
    assert again is not None and again.retry_on_messages and again.note is None
    other = Route("prefer", MarketingOptions())
    ineligible = on_refusal(other, refusal("134102_template_ineligible"), NOW, via_marketing=True)
    assert ineligible is not None and "134102" in (ineligible.note or "")


def test_only_pauses_on_terms_and_leaves_other_refusals_to_the_table() -> None:
    route = Route("only", MarketingOptions())
    terms = on_refusal(route, refusal(TERMS), NOW, via_marketing=True)
    assert terms is not None and terms.pause == f"paused: {TERMS_SENTENCE}"
    assert route.marketing is not None  # only never leaves the MM API
    for name in ("134102_template_ineligible", "134101_template_syncing", "10_permission_denied"):
        assert on_refusal(route, refusal(name), NOW, via_marketing=True) is None


def test_refusals_of_messages_requests_are_not_the_routes_business() -> None:
    route = Route("prefer", MarketingOptions())
    terms = refusal(TERMS)
    assert on_refusal(route, terms, NOW, via_marketing=False) is None
    assert route.marketing is not None
