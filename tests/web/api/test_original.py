"""The original tool's endpoints keep their paths and field names (plus the API token)."""

from __future__ import annotations

import pytest

from tests.web.api.harness import (
    add_contacts,
    app_settings,
    fast_webhooks,
    running_app,
    simulator_config,
)
from wabroadcast.config import Settings

SEND_FIELDS = {
    "success",
    "template",
    "total_selected",
    "total_eligible",
    "successful_sends",
    "failed_sends",
    "results",
    "campaign_id",
}


@pytest.mark.anyio
async def test_send_waits_and_answers_with_the_original_fields(settings: Settings) -> None:
    unreachable = "+905551000003"
    sim = simulator_config(unreachable=frozenset({unreachable}))
    hooks = fast_webhooks(sim)
    async with running_app(app_settings(settings), sim=sim, webhooks=hooks) as h:
        phones = add_contacts(h.database, 6)
        body = {"template_name": "daily_offer", "limit": 4, "language_code": "tr"}
        answer = await h.client.post("/api/send", json=body)
        assert answer.status_code == 200, answer.text
        data = answer.json()
        assert set(data) >= SEND_FIELDS
        assert data["success"] is True
        assert data["template"] == "daily_offer"
        assert data["total_eligible"] == 6
        assert data["total_selected"] == 4
        assert data["successful_sends"] == 4  # 131026 arrives later, by webhook
        assert data["failed_sends"] == 0
        assert [r["phone"] for r in data["results"]] == [p.lstrip("+") for p in phones[:4]]
        assert all(r["status"] == "success" for r in data["results"])
        assert all(r["message_id"].startswith("wamid.") for r in data["results"])
        assert len(h.simulator.accepted) == 4

        async def failed_status() -> bool:
            check = await h.client.post(
                "/api/check-duplicates",
                json={"template_name": "daily_offer", "phone_numbers": [unreachable]},
            )
            return bool(check.json()["results"][0]["status"] == "failed")

        await h.wait_for(failed_status)

        again = (await h.client.post("/api/send", json=body)).json()
        assert again["total_eligible"] == 2  # never twice: only the last two are left
        assert {r["phone"] for r in again["results"]} == {p.lstrip("+") for p in phones[4:]}

        history = (await h.client.get("/api/history")).json()
        assert set(history) == {"daily_offer"}
        assert sorted(history["daily_offer"]) == sorted(p.lstrip("+") for p in phones)


@pytest.mark.anyio
async def test_send_of_an_unknown_template_says_so(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        add_contacts(h.database, 2)
        body = {"template_name": "no_such_template", "limit": 2, "language_code": "tr"}
        answer = await h.client.post("/api/send", json=body)
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "template_not_sendable" and error["field"] == "template_name"
        assert "template 'no_such_template' does not exist" in error["message"]
        assert "daily_offer" in error["message"]  # what exists instead
        listed = await h.client.get("/api/campaigns")
        assert listed.json()["total"] == 0  # refused before a campaign row existed


@pytest.mark.anyio
async def test_check_duplicates_reports_each_number(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        phones = add_contacts(h.database, 3)
        body = {"template_name": "daily_offer", "limit": 1, "language_code": "tr"}
        assert (await h.client.post("/api/send", json=body)).json()["successful_sends"] == 1
        numbers = [phones[0].lstrip("+"), phones[1], "not a number", "0555 100 00 02", 12]
        answer = await h.client.post(
            "/api/check-duplicates",
            json={"template_name": "daily_offer", "phone_numbers": numbers},
        )
        assert answer.status_code == 200, answer.text
        data = answer.json()
        results = data["results"]
        assert [r["phone"] for r in results] == [str(n) for n in numbers]
        first = results[0]
        assert first["duplicate"] is True and first["already_sent"] is True
        assert first["state"] == "accepted" and first["sent_at"] is not None
        assert results[1]["duplicate"] is False and results[1]["valid"] is True
        assert results[2]["valid"] is False and results[2]["error"]
        assert results[3]["normalized"] == "+905551000002"  # national format, region TR
        assert results[3]["duplicate"] is False
        assert results[4]["valid"] is False
        assert data["duplicates"] == 1 and data["invalid"] == 2
        assert data["duplicate_numbers"] == [numbers[0]]
        other = await h.client.post(
            "/api/check-duplicates",
            json={"template_name": "hello_world", "phone_numbers": [phones[0]]},
        )
        assert other.json()["results"][0]["duplicate"] is False
