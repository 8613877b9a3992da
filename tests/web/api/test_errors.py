"""One JSON error shape everywhere; wrong input is a 4xx naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.api.harness import app_settings, running_app
from wabroadcast.config import Settings


def assert_error(body: dict[str, Any], code: str) -> dict[str, Any]:
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert error["code"] == code, body
    assert isinstance(error["message"], str) and error["message"]
    return error


@pytest.mark.anyio
async def test_validation_errors_name_the_field(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        answer = await h.client.post("/api/send", json={"template_name": "daily_offer"})
        assert answer.status_code == 422
        error = assert_error(answer.json(), "invalid_input")
        assert error["field"] == "limit"
        assert "limit" in error["message"]

        answer = await h.client.post("/api/campaigns", json={"template_name": "x", "limit": 0})
        assert assert_error(answer.json(), "invalid_input")["field"] == "limit"

        answer = await h.client.get("/api/contacts", params={"limit": "many"})
        assert answer.status_code == 422
        assert assert_error(answer.json(), "invalid_input")["field"] == "limit"

        answer = await h.client.get("/api/campaigns/99999999999999999999999")
        assert answer.status_code == 422
        assert assert_error(answer.json(), "invalid_input")["field"] == "campaign_id"


@pytest.mark.anyio
async def test_broken_bodies_and_unknown_things_are_4xx(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        broken = await h.client.post(
            "/api/send", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert broken.status_code == 422
        assert_error(broken.json(), "invalid_input")
        listed = await h.client.post("/api/check-duplicates", json=[1, 2])
        assert listed.status_code == 422
        missing = await h.client.get("/api/campaigns/424242")
        assert missing.status_code == 404
        assert "424242" in assert_error(missing.json(), "not_found")["message"]
        route = await h.client.get("/api/nothing-here")
        assert route.status_code == 404
        assert_error(route.json(), "not_found")
        method = await h.client.delete("/api/stats")
        assert method.status_code == 405
        assert_error(method.json(), "method_not_allowed")
        opt = await h.client.post("/api/contacts/77/opt-out")
        assert opt.status_code == 404
        assert_error(opt.json(), "not_found")
