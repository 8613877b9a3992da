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


@pytest.mark.anyio
async def test_broken_json_is_named_by_line_and_column(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        body = b'{\n  "template_name": "daily_offer",\n  "limit": }'
        headers = {"content-type": "application/json"}
        answer = await h.client.post("/api/campaigns", content=body, headers=headers)
        assert answer.status_code == 422
        error = assert_error(answer.json(), "invalid_input")
        assert error["field"] == "body"
        assert error["message"] == "body: broken JSON at line 3, column 12: Expecting value"


@pytest.mark.anyio
async def test_errors_are_in_turkish_for_accept_language_tr(settings: Settings) -> None:
    turkish = {"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"}
    async with running_app(app_settings(settings)) as h:
        missing = await h.client.get("/api/campaigns/77", headers=turkish)
        assert missing.status_code == 404
        assert assert_error(missing.json(), "not_found")["message"] == "kampanya 77 yok"
        assert missing.headers["content-length"] == str(len(missing.content))

        anonymous = await h.anon.get("/api/contacts", headers=turkish)
        assert anonymous.status_code == 401
        assert (
            "kimlik doğrulaması gerekli"
            in assert_error(anonymous.json(), "unauthorized")["message"]
        )

        unknown = await h.client.post(
            "/api/campaigns",
            json={"template_name": "nope", "language": "tr", "limit": 5},
            headers=turkish,
        )
        assert unknown.status_code == 422
        error = assert_error(unknown.json(), "template_not_sendable")
        assert error["message"].startswith("'nope' şablonu yok; hesapta olanlar: ")
        assert error["field"] == "template_name"

        invalid = await h.client.post("/api/campaigns", json={"limit": "abc"}, headers=turkish)
        error = assert_error(invalid.json(), "invalid_input")
        assert error["message"] == "template_name: bu alan zorunlu"
        assert [d["message"] for d in error["details"]] == [
            "bu alan zorunlu",
            "bir tam sayı olmalı",
        ]

        broken = await h.client.post(
            "/api/campaigns",
            content=b'{"limit": }',
            headers={**turkish, "content-type": "application/json"},
        )
        assert assert_error(broken.json(), "invalid_input")["message"] == (
            "body: bozuk JSON, satır 1, sütun 11: Expecting value"
        )

        english = await h.client.get("/api/campaigns/77")
        assert english.json()["error"]["message"] == "campaign 77 does not exist"
        fine = await h.client.get("/api/campaigns", headers=turkish)
        assert fine.status_code == 200 and "error" not in fine.json()
