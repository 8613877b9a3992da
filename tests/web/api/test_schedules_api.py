"""/api/schedules: create, list, read, pause, resume, delete — with days remaining."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.web.api.harness import ManualClock, add_contacts, app_settings, running_app
from wabroadcast.config import Settings
from wabroadcast.storage.tables import Template

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 15:00 in Istanbul: today's 10:00 has passed
DRIP = {
    "template_name": "daily_offer",
    "language": "tr",
    "daily_count": 3,
    "time_of_day": "10:00",
    "time_zone": "Europe/Istanbul",
    "window_start": "09:00",
    "window_end": "20:00",
}


@pytest.mark.anyio
async def test_schedule_lifecycle_shows_days_remaining_and_finish(settings: Settings) -> None:
    async with running_app(app_settings(settings), clock=ManualClock(NOW)) as h:
        add_contacts(h.database, 10)
        answer = await h.client.post("/api/schedules", json=DRIP)
        assert answer.status_code == 201, answer.text
        created = answer.json()
        assert answer.headers["location"] == f"/api/schedules/{created['id']}"
        assert created["state"] == "active"
        assert created["next_run_at"] == "2026-11-26T07:00:00Z"  # 10:00 Istanbul, tomorrow
        assert (created["eligible"], created["days_remaining"]) == (10, 4)  # ceil(10 / 3)
        assert created["finish_on"] == "2026-11-29"
        assert created["window_time_zone"] is None and created["window_end"] == "20:00"
        assert created["notes"] == ["2026-11-25 12:00Z created"]

        listed = (await h.client.get("/api/schedules")).json()
        assert [s["id"] for s in listed] == [created["id"]]
        url = f"/api/schedules/{created['id']}"
        detail = (await h.client.get(url)).json()
        assert detail["runs"] == [] and detail["days_remaining"] == 4

        paused = await h.client.post(url + "/pause")
        assert paused.status_code == 200
        assert (paused.json()["state"], paused.json()["finish_on"]) == ("paused", None)
        again = await h.client.post(url + "/pause")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "conflict"
        assert "paused, not active" in again.json()["error"]["message"]
        resumed = (await h.client.post(url + "/resume")).json()
        assert resumed["state"] == "active" and resumed["finish_on"] == "2026-11-29"
        assert [line.split(" ", 2)[2] for line in resumed["notes"]] == [
            "created",
            "paused",
            "resumed",
        ]

        assert (await h.client.delete(url)).status_code == 204
        gone = await h.client.get(url)
        assert gone.status_code == 404
        assert gone.json() == {
            "error": {"code": "not_found", "message": f"schedule {created['id']} does not exist"}
        }
        assert (await h.client.delete(url)).status_code == 404
        assert (await h.client.get("/api/schedules")).json() == []


@pytest.mark.anyio
async def test_wrong_schedules_are_refused_with_the_one_error_shape(settings: Settings) -> None:
    async with running_app(app_settings(settings), clock=ManualClock(NOW)) as h:
        with h.database.session() as session:
            session.add(
                Template(
                    name="old_offer", language="tr", status="PAUSED", components=[], synced_at=NOW
                )
            )
        cases = [
            ({**DRIP, "time_zone": "Mars/Olympus"}, "invalid_input", "unknown time zone"),
            ({**DRIP, "time_of_day": "25:00"}, "invalid_input", "time_of_day"),
            ({**DRIP, "daily_count": 0}, "invalid_input", "daily_count"),
            ({**DRIP, "window_end": None}, "invalid_input", "needs both a start and an end"),
            ({**DRIP, "shape": "x"}, "invalid_input", "shape"),
            ({**DRIP, "parameters": {"body": {"1": 5}}}, "invalid_input", "body"),
            ({**DRIP, "template_name": "old_offer"}, "template_not_sendable", "is PAUSED"),
        ]
        for body, code, words in cases:
            answer = await h.client.post("/api/schedules", json=body)
            assert answer.status_code == 422, (body, answer.text)
            error = answer.json()["error"]
            assert error["code"] == code and words in error["message"], (body, error)
        assert (await h.client.get("/api/schedules")).json() == []
        assert (await h.anon.get("/api/schedules")).status_code == 401
        assert (await h.client.post("/api/schedules/0/pause")).status_code == 422
        assert (await h.client.post("/api/schedules/99/resume")).status_code == 404
