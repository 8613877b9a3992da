"""/api/ab-tests over the real app, the simulator and a real database (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.web.api.harness import ManualClock, add_contacts, app_settings, running_app
from wabroadcast.config import Settings
from wabroadcast.domain.ab_tests import bucket_of
from wabroadcast.engine.ab_test_runs import AbTestRunner
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Contact, Reply, Send

TEST = {
    "name": "offer wording",
    "templates": ["daily_offer", "hello_world"],
    "language": "en_US",
    "share": 10,
    "metric": "read",
    "decide_after_hours": 24,
}


def sent_to(database: Database, campaign_id: int) -> dict[int, str]:
    """contact id → template of the campaign's accepted sends."""
    with database.session() as session:
        rows = session.execute(
            select(Send.contact_id, Send.template_name).where(
                Send.campaign_id == campaign_id, Send.state == "accepted"
            )
        )
        return {int(contact_id): name for contact_id, name in rows}


def contact_ids(database: Database) -> list[int]:
    with database.session() as session:
        return [int(i) for i in session.scalars(select(Contact.id))]


def mark_read(database: Database, ids: list[int], clock: ManualClock) -> None:
    """Read receipts as the webhook receiver stores them."""
    with database.session() as session:
        session.execute(
            update(Send)
            .where(Send.contact_id.in_(ids))
            .values(status="read", read_at=clock.now(), delivered_at=clock.now())
        )


async def variants_done(h: Any, test: dict[str, Any]) -> dict[str, dict[str, int]]:
    sent = {}
    for variant in test["variants"]:
        done = await h.campaign_done(variant["campaign_id"])
        assert done["ab_test"] == {"id": test["id"], "variant": variant["variant"]}
        sent[variant["variant"]] = sent_to(h.database, variant["campaign_id"])
    return sent


@pytest.mark.anyio
async def test_variants_split_then_the_periodic_check_sends_the_winner_to_the_rest(
    settings: Settings,
) -> None:
    clock = ManualClock()
    async with running_app(app_settings(settings), clock=clock) as h:
        add_contacts(h.database, 120)
        with h.database.session() as session:  # opted out: in no campaign of the test
            session.execute(
                update(Contact).where(Contact.index == 3).values(opted_out_at=clock.now())
            )
        created = await h.client.post("/api/ab-tests", json=TEST)
        assert created.status_code == 201, created.text
        test = created.json()
        assert test["state"] == "testing"
        assert [v["variant"] for v in test["variants"]] == ["A", "B"]
        sent = await variants_done(h, test)
        ids = contact_ids(h.database)
        with h.database.session() as session:
            opted = session.scalar(select(Contact.id).where(Contact.index == 3))
        buckets = {cid: bucket_of(cid, test["id"]) for cid in ids if cid != opted}
        assert set(sent["A"]) == {c for c, b in buckets.items() if b < 1000}
        assert set(sent["B"]) == {c for c, b in buckets.items() if 1000 <= b < 2000}
        assert not set(sent["A"]) & set(sent["B"])  # at most one variant each
        assert set(sent["A"].values()) == {"daily_offer"}
        assert set(sent["B"].values()) == {"hello_world"}
        assert sent["A"] and sent["B"]

        mark_read(h.database, list(sent["A"])[:1], clock)  # A: 1 read; B: every one read
        mark_read(h.database, list(sent["B"]), clock)
        runner = AbTestRunner(h.app.state.campaigns)
        assert await runner.run_due() == []  # not before 24 hours
        early = await h.client.get(f"/api/ab-tests/{test['id']}")
        assert early.json()["state"] == "testing"
        clock.advance(timedelta(hours=24))
        decided = await runner.run_due()
        assert [(d.test_id, d.winner) for d in decided] == [(test["id"], "B")]
        rest_id = decided[0].campaign_id
        assert rest_id is not None
        rest = await h.campaign_done(rest_id)
        assert rest["template_name"] == "hello_world"
        assert rest["ab_test"] == {"id": test["id"], "variant": "winner"}
        got = sent_to(h.database, rest_id)
        assert set(got) == {c for c, b in buckets.items() if b >= 2000}
        assert not set(got) & (set(sent["A"]) | set(sent["B"]))

        await runner.run_due()  # the winner's campaign ended: done
        shown = (await h.client.get(f"/api/ab-tests/{test['id']}")).json()
        assert shown["state"] == "done"
        assert shown["winner_variant"] == "B"
        by = {v["variant"]: v for v in shown["variants"]}
        assert by["A"]["sent"] == len(sent["A"]) and by["A"]["read"] == 1
        assert by["B"]["read_rate"] == 1.0
        assert by["A"]["read_rate"] == pytest.approx(1 / len(sent["A"]))
        assert shown["winner"]["campaign_id"] == rest_id
        campaign_page = (await h.client.get(f"/api/campaigns/{by['A']['campaign_id']}")).json()
        assert campaign_page["read"] == by["A"]["read"]  # the numbers agree


@pytest.mark.anyio
async def test_decide_now_ties_to_a_and_respects_the_limit(settings: Settings) -> None:
    clock = ManualClock()
    async with running_app(app_settings(settings), clock=clock) as h:
        add_contacts(h.database, 120)
        body = dict(TEST, limit=30, share=20)
        test = (await h.client.post("/api/ab-tests", json=body)).json()
        sent = await variants_done(h, test)
        assert all(len(s) <= 6 for s in sent.values())  # 20% of a limit of 30
        decided = await h.client.post(f"/api/ab-tests/{test['id']}/decide")
        assert decided.status_code == 200, decided.text
        shown = decided.json()
        assert shown["winner_variant"] == "A"  # nobody read either: tie to the lower letter
        assert shown["state"] == "sending_winner"
        rest = await h.campaign_done(shown["winner"]["campaign_id"])
        assert rest["template_name"] == "daily_offer"
        used = sum(len(s) for s in sent.values())
        assert rest["accepted"] == 30 - used
        again = await h.client.post(f"/api/ab-tests/{test['id']}/decide")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "not_testing"


@pytest.mark.anyio
async def test_cancel_and_refusals(settings: Settings) -> None:
    clock = ManualClock()
    async with running_app(app_settings(settings), clock=clock) as h:
        add_contacts(h.database, 20)
        tasks = {task.get_name() for task in asyncio.all_tasks()}
        assert "ab-tests" in tasks  # serve's periodic check runs with the app
        bad = await h.client.post("/api/ab-tests", json=dict(TEST, share=60))
        assert bad.status_code == 422, bad.text
        assert bad.json()["error"]["field"] == "share"
        unknown = await h.client.post(
            "/api/ab-tests", json=dict(TEST, templates=["daily_offer", "no_such_template"])
        )
        assert unknown.status_code == 422, unknown.text
        assert "no_such_template" in unknown.json()["error"]["message"]
        for body, field in (
            (dict(TEST, name="a\x00b"), "name"),
            (dict(TEST, templates=["daily_offer", "Bad\x00"]), "templates"),
            (dict(TEST, language="en\x00"), "language"),
            (dict(TEST, phone_number_id="999"), "phone_number_id"),
        ):
            answer = await h.client.post("/api/ab-tests", json=body)
            assert answer.status_code == 422, answer.text
            assert answer.json()["error"]["field"] == field, answer.text
        assert (await h.client.get("/api/ab-tests")).json()["total"] == 0  # nothing written
        assert (await h.client.get("/api/campaigns")).json()["total"] == 0
        assert (await h.client.get("/api/ab-tests/99")).status_code == 404

        test = (await h.client.post("/api/ab-tests", json=TEST)).json()
        await variants_done(h, test)
        a_id = test["variants"][0]["campaign_id"]
        with h.database.session() as session:  # as if another process still sent variant A
            session.execute(update(Campaign).where(Campaign.id == a_id).values(state="running"))
        sending = await h.client.post(f"/api/ab-tests/{test['id']}/decide")
        assert sending.status_code == 409, sending.text
        assert sending.json()["error"]["code"] == "variants_sending"
        assert "variant A is still sending" in sending.json()["error"]["message"]
        cancelled = await h.client.post(f"/api/ab-tests/{test['id']}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["state"] == "cancelled"
        variants = {v["variant"]: v["state"] for v in cancelled.json()["variants"]}
        assert variants["A"] == "cancelled"  # the running variant is cancelled with the test
        assert variants["B"] == "completed"
        clock.advance(timedelta(hours=25))
        assert await AbTestRunner(h.app.state.campaigns).run_due() == []
        refused = await h.client.post(f"/api/ab-tests/{test['id']}/decide")
        assert refused.status_code == 409
        listed = (await h.client.get("/api/ab-tests")).json()
        assert [t["state"] for t in listed["items"]] == ["cancelled"]


@pytest.mark.anyio
async def test_reply_metric_and_no_winner_when_nobody_was_sent(settings: Settings) -> None:
    clock = ManualClock()
    async with running_app(app_settings(settings), clock=clock) as h:
        empty = (await h.client.post("/api/ab-tests", json=dict(TEST, name="empty"))).json()
        await variants_done(h, empty)
        nobody = (await h.client.post(f"/api/ab-tests/{empty['id']}/decide")).json()
        assert (nobody["state"], nobody["winner_variant"], nobody["winner"]) == ("done", None, None)
        assert "no variant was sent to anyone" in nobody["note"]

        add_contacts(h.database, 120)
        test = (await h.client.post("/api/ab-tests", json=dict(TEST, metric="reply"))).json()
        sent = await variants_done(h, test)
        mark_read(h.database, list(sent["A"]), clock)  # reads do not count for "reply"
        replier = next(iter(sent["B"]))
        with h.database.session() as session:
            send = session.scalars(select(Send).where(Send.contact_id == replier)).one()
            session.add(
                Reply(
                    message_id="wamid.reply.1",
                    contact_id=replier,
                    phone=(send.phone or "").lstrip("+"),
                    type="text",
                    text="Teşekkürler!",
                    campaign_id=send.campaign_id,
                    send_id=send.id,
                    occurred_at=clock.now(),
                    received_at=clock.now(),
                )
            )
        decided = (await h.client.post(f"/api/ab-tests/{test['id']}/decide")).json()
        assert decided["winner_variant"] == "B", decided
        by = {v["variant"]: v for v in decided["variants"]}
        assert by["B"]["replied"] == 1 and by["A"]["reply_rate"] == 0.0
        await h.campaign_done(decided["winner"]["campaign_id"])
