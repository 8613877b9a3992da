"""/api/campaigns: background runs, live counts, pause / resume / cancel, CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.web.api.harness import (
    add_contacts,
    app_settings,
    fast_webhooks,
    running_app,
    simulator_config,
)
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Contact, Reply, Send
from wabroadcast.web.exports import CSV_COLUMNS


@pytest.mark.anyio
async def test_campaign_runs_in_background_and_counts_the_funnel(settings: Settings) -> None:
    sim = simulator_config()
    hooks = fast_webhooks(sim)
    async with running_app(app_settings(settings), sim=sim, webhooks=hooks) as h:
        phones = add_contacts(h.database, 5)
        answer = await h.client.post(
            "/api/campaigns", json={"template_name": "daily_offer", "language": "tr", "limit": 5}
        )
        assert answer.status_code == 202, answer.text
        created = answer.json()
        assert created["state"] == "running"
        assert answer.headers["location"] == created["url"] == f"/api/campaigns/{created['id']}"
        done = await h.campaign_done(created["id"])
        assert done["state"] == "completed"
        assert (done["selected"], done["accepted"], done["failed"], done["unknown"]) == (5, 5, 0, 0)

        async def funnel_complete() -> dict[str, int] | None:
            body = (await h.client.get(created["url"])).json()
            full = body["delivered"] == body["read"] == 5
            return body if full else None

        body = await h.wait_for(funnel_complete)
        assert body["template_name"] == "daily_offer" and body["language"] == "tr"
        assert body["replied"] == 0
        add_reply(h.database, created["id"], phones[0], "wamid.reply.1")
        add_reply(h.database, created["id"], phones[0], "wamid.reply.2")  # same person
        add_reply(h.database, created["id"], phones[1], "wamid.reply.3")
        assert (await h.client.get(created["url"])).json()["replied"] == 2

        listed = (await h.client.get("/api/campaigns")).json()
        assert listed["total"] == 1
        assert listed["items"][0]["id"] == created["id"]
        assert listed["items"][0]["read"] == 5
        assert (await h.client.get("/api/campaigns?state=paused")).json()["total"] == 0

        export = await h.client.get(f"/api/campaigns/{created['id']}/sends.csv")
        assert export.status_code == 200
        assert export.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(export.text)))
        assert tuple(rows[0]) == CSV_COLUMNS
        assert sorted(r["phone"] for r in rows) == sorted(phones)
        assert {r["state"] for r in rows} == {"accepted"}
        assert {r["status"] for r in rows} == {"read"}
        assert all(r["read_at"] and r["message_id"].startswith("wamid.") for r in rows)


@pytest.mark.anyio
async def test_pause_resume_and_cancel(settings: Settings) -> None:
    sim = simulator_config(latency=0.02, latency_jitter=0.0)
    async with running_app(app_settings(settings, send_rate=20.0), sim=sim) as h:
        add_contacts(h.database, 40)
        created = (
            await h.client.post(
                "/api/campaigns", json={"template_name": "daily_offer", "limit": 40}
            )
        ).json()
        url = created["url"]
        paused = await h.client.post(f"{url}/pause")
        assert paused.status_code == 200, paused.text
        assert paused.json()["state"] == "paused"
        stopped = await h.campaign_done(created["id"])
        assert stopped["state"] == "paused"
        assert stopped["accepted"] < 40
        assert (await h.client.post(f"{url}/pause")).status_code == 409

        resumed = await h.client.post(f"{url}/resume")
        assert resumed.status_code == 200
        assert resumed.json()["state"] in ("running", "waiting")  # its run starts right after
        finished = await h.campaign_done(created["id"])
        assert finished["state"] == "completed"
        assert finished["accepted"] == 40
        sent = [m.to for m in h.simulator.accepted]
        assert len(sent) == len(set(sent)) == 40  # resume re-sent nobody

        conflict = await h.client.post(f"{url}/cancel")
        assert conflict.status_code == 409
        assert "completed" in conflict.json()["error"]["message"]

        # 100 sends at 20/s take seconds: the cancel lands while it runs (with 3 it raced the
        # campaign's end and met a completed campaign now and then)
        add_contacts(h.database, 100, start=100)
        second = (
            await h.client.post(
                "/api/campaigns",
                json={"template_name": "hello_world", "language": "en_US", "limit": 100},
            )
        ).json()
        cancelled = await h.client.post(f"{second['url']}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["state"] == "cancelled"
        ended = await h.campaign_done(second["id"])
        assert ended["state"] == "cancelled" and ended["accepted"] < 100
        assert (await h.client.post(f"{second['url']}/resume")).status_code == 409
        assert (await h.client.get("/api/campaigns?state=cancelled")).json()["total"] == 1


@pytest.mark.anyio
async def test_unknown_campaigns_are_404(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        for method, path in (
            ("GET", "/api/campaigns/5"),
            ("POST", "/api/campaigns/5/pause"),
            ("POST", "/api/campaigns/5/resume"),
            ("POST", "/api/campaigns/5/cancel"),
            ("GET", "/api/campaigns/5/sends.csv"),
        ):
            answer = await h.client.request(method, path)
            assert answer.status_code == 404, (method, path)
            assert answer.json()["error"]["code"] == "not_found"


def add_reply(database: Database, campaign_id: int, phone: str, message_id: str) -> None:
    """A reply as the webhook receiver stores it, linked to the campaign it answers."""
    now = datetime.now(UTC)
    with database.session() as session:
        contact = session.query(Contact).filter_by(phone=phone).one()
        session.add(
            Reply(
                message_id=message_id,
                contact_id=contact.id,
                phone=phone.lstrip("+"),
                type="text",
                text="Teşekkürler!",
                campaign_id=campaign_id,
                occurred_at=now,
                received_at=now,
            )
        )


@pytest.mark.anyio
async def test_a_run_stopped_by_shutdown_resumes_without_duplicates(settings: Settings) -> None:
    """Stopping the server cancels the background run and pauses the campaign (reason:
    interrupted: nobody sends it now); Resume on the next server continues it and nobody
    gets the template twice."""
    config = app_settings(settings, send_rate=20.0)
    sim = simulator_config(latency=0.02, latency_jitter=0.0)
    async with running_app(config, sim=sim) as h:
        add_contacts(h.database, 30)
        body = {"template_name": "daily_offer", "limit": 30}
        created = (await h.client.post("/api/campaigns", json=body)).json()
        await h.wait_for(lambda: len(h.simulator.accepted) >= 3)
    first_run = [m.to for m in h.simulator.accepted]
    async with running_app(config, sim=sim) as h:
        stored = (await h.client.get(created["url"])).json()
        assert stored["state"] == "paused" and stored["running_here"] is False
        assert stored["error"] == "interrupted"
        assert stored["accepted"] < 30
        assert (await h.client.post(f"{created['url']}/resume")).status_code == 200
        done = await h.campaign_done(created["id"])
        assert done["state"] == "completed", done
        second_run = [m.to for m in h.simulator.accepted]
        with h.database.session() as session:
            rows = session.execute(select(Send.phone, Send.state)).all()
    everyone = first_run + second_run
    assert len(everyone) == len(set(everyone))  # never twice, across the restart
    assert len(rows) == 30
    accepted = {phone for phone, state in rows if state == "accepted"}
    assert accepted <= set(everyone)
    assert second_run and set(second_run) <= accepted  # the second server sent the rest


@pytest.mark.anyio
async def test_campaign_create_validates_the_phone_number_id(settings: Settings) -> None:
    config = app_settings(settings, phone_numbers="106540352242999:500")
    async with running_app(config, sim=simulator_config()) as h:
        bad = await h.client.post(
            "/api/campaigns",
            json={"template_name": "daily_offer", "limit": 1, "phone_number_id": "123"},
        )
        assert bad.status_code == 422
        assert "123 is not configured" in bad.text
        good = await h.client.post(
            "/api/campaigns",
            json={"template_name": "daily_offer", "limit": 1, "phone_number_id": "106540352242999"},
        )
        assert good.status_code == 202, good.text
        with h.database.session() as session:
            numbers = list(session.scalars(select(Campaign.phone_number_id)))
    assert numbers == ["106540352242999"]


@pytest.mark.anyio
async def test_a_marketing_campaign_reports_the_us_numbers_it_skipped(settings: Settings) -> None:
    """daily_offer is MARKETING and hello_world UTILITY in the simulator's account."""
    async with running_app(app_settings(settings)) as h:
        add_contacts(h.database, 3)
        now = datetime.now(UTC)
        with h.database.session() as session:
            for i, number in enumerate(["+12025550101", "+14155550102"]):
                session.add(Contact(phone=number, index=10 + i, created_at=now, updated_at=now))
        ids = []
        for template, language in (("daily_offer", "tr"), ("hello_world", "en_US")):
            body = {"template_name": template, "language": language, "limit": 10}
            answer = await h.client.post("/api/campaigns", json=body)
            assert answer.status_code == 202, answer.text
            ids.append(answer.json()["id"])
            await h.campaign_done(ids[-1])
        marketing = (await h.client.get(f"/api/campaigns/{ids[0]}")).json()
        assert (marketing["accepted"], marketing["skipped_us"]) == (3, 2)
        utility = (await h.client.get(f"/api/campaigns/{ids[1]}")).json()
        assert (utility["accepted"], utility["skipped_us"]) == (5, None)
        listed = (await h.client.get("/api/campaigns")).json()["items"]
        assert [item["skipped_us"] for item in listed] == [None, None]
