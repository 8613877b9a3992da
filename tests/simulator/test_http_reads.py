"""GET message_templates (cursor paging) and GET phone number fields, exact shapes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.simulator.http_support import AUTH, PHONE, TEMPLATES, error_of, simulator_http
from wabroadcast.simulator import default_templates


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_templates_are_paged_with_cursors_and_next() -> None:
    async with simulator_http() as (http, _):
        first = (await http.get(TEMPLATES, headers=AUTH, params={"limit": 3})).json()
        after = first["paging"]["cursors"]["after"]
        second = (
            await http.get(TEMPLATES, headers=AUTH, params={"limit": 3, "after": after})
        ).json()
        names = [t["name"] for t in first["data"] + second["data"]]
        rest = second
        while "next" in rest["paging"]:
            rest = (await http.get(rest["paging"]["next"], headers=AUTH)).json()
            names += [t["name"] for t in rest["data"]]
    assert names == [t.name for t in default_templates()]
    assert first["paging"]["next"].startswith("http://sim" + TEMPLATES)
    assert "previous" not in first["paging"] and "previous" in second["paging"]
    assert "next" not in rest["paging"]
    item = first["data"][0]
    assert set(item) == {
        "id",
        "name",
        "language",
        "status",
        "category",
        "parameter_format",
        "quality_score",
        "components",
    }
    assert item["quality_score"] == {"score": "GREEN"}


@pytest.mark.anyio
async def test_templates_fields_and_filters() -> None:
    async with simulator_http() as (http, _):
        only = await http.get(
            TEMPLATES, headers=AUTH, params={"fields": "name,status", "status": "PAUSED,DISABLED"}
        )
        language = await http.get(TEMPLATES, headers=AUTH, params={"language": "en_US"})
    assert only.json()["data"] == [
        {"id": "1689556908129806", "name": "winter_sale", "status": "PAUSED"},
        {"id": "1689556908129807", "name": "old_promo", "status": "DISABLED"},
    ]
    assert {t["language"] for t in language.json()["data"]} == {"en_US"}


@pytest.mark.parametrize(
    "params", [{"after": "garbage!"}, {"after": "aGVsbG8="}, {"limit": "ten"}, {"limit": "0"}]
)
@pytest.mark.anyio
async def test_bad_paging_parameters_are_100(params: dict[str, str]) -> None:
    async with simulator_http() as (http, _):
        response = await http.get(TEMPLATES, headers=AUTH, params=params)
    assert error_of(response)["code"] == 100


@pytest.mark.anyio
async def test_templates_need_the_token_and_the_waba_id() -> None:
    async with simulator_http() as (http, _):
        no_token = await http.get(TEMPLATES)
        phone_id_path = await http.get(PHONE + "/message_templates", headers=AUTH)
    assert (no_token.status_code, error_of(no_token)["code"]) == (401, 190)
    assert error_of(phone_id_path)["code"] == 100


@pytest.mark.anyio
async def test_phone_number_fields() -> None:
    fields = (
        "display_phone_number,verified_name,quality_rating,status,throughput,"
        "whatsapp_business_manager_messaging_limit"
    )
    options: dict[str, Any] = {"messaging_limit_tier": "TIER_2K", "throughput_level": "HIGH"}
    async with simulator_http(**options) as (http, _):
        chosen = (await http.get(PHONE, headers=AUTH, params={"fields": fields})).json()
        plain = (await http.get(PHONE, headers=AUTH)).json()
        one = (await http.get(PHONE, headers=AUTH, params={"fields": "throughput"})).json()
    assert chosen == {
        "display_phone_number": "+1 555-078-3881",
        "verified_name": "wabroadcast Simulator",
        "quality_rating": "GREEN",
        "status": "CONNECTED",
        "throughput": {"level": "HIGH"},
        "whatsapp_business_manager_messaging_limit": "TIER_2K",
        "id": "106540352242922",
    }
    assert set(plain) == {"verified_name", "display_phone_number", "quality_rating", "id"}
    assert one == {"throughput": {"level": "HIGH"}, "id": "106540352242922"}


@pytest.mark.anyio
async def test_unknown_phone_field_is_100() -> None:
    async with simulator_http() as (http, _):
        response = await http.get(PHONE, headers=AUTH, params={"fields": "throughput,nonsense"})
    error = error_of(response)
    assert error["code"] == 100
    assert "nonexisting field (nonsense)" in error["message"]
