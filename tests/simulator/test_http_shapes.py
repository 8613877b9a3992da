"""The simulator's error bodies have the same shape as the fixture bodies written from
cloudapi.md §2 (tests/fixtures/cloudapi/errors), so it cannot drift into a private dialect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.simulator.http_support import AUTH, MESSAGES, Clock, simulator_http, template_body

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cloudapi" / "errors"
OPTIONAL = {"error_subcode", "is_transient", "error_user_title", "error_user_msg"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _shape(value: Any) -> Any:
    """Keys and value types, recursively; the optional Graph keys left out."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items() if k not in OPTIONAL}
    return type(value).__name__


def _fixture(name: str) -> dict[str, Any]:
    case: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return case


CASES = [
    ("190_token_expired", {}, template_body()),
    ("132001_template_missing", {}, template_body(language="en")),
    ("132015_template_paused", {}, template_body(name="winter_sale", language="en_US")),
    ("132016_template_disabled", {}, template_body(name="old_promo", language="en_US")),
    ("132000_parameter_count", {}, template_body(name="spring_sale", language="pt_BR")),
    ("100_invalid_recipient_number", {}, template_body(to="+90 555 ABC 4567")),
    ("131009_invalid_recipient", {}, template_body(to="+90555")),
    ("130429_throughput", {"rate": 1.0}, template_body()),
]


@pytest.mark.parametrize(("fixture", "options", "body"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.anyio
async def test_simulator_error_matches_the_fixture(
    fixture: str, options: dict[str, Any], body: dict[str, Any]
) -> None:
    case = _fixture(fixture)
    headers = {} if fixture.startswith("190") else AUTH
    async with simulator_http(monotonic=Clock(), **options) as (http, _):
        if fixture.startswith("130429"):
            await http.post(MESSAGES, headers=AUTH, json=template_body(to="+905559999999"))
        response = await http.post(MESSAGES, headers=headers, json=body)
    assert response.status_code == case["http_status"]
    assert _shape(response.json()) == _shape(case["body"])
    assert response.json()["error"]["code"] == case["body"]["error"]["code"]
