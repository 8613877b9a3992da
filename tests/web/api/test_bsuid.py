"""Contacts by phone or by BSUID, end to end: import, send, webhooks, merges, the API.

Every test runs the real app on SQLite and on PostgreSQL, its Cloud API calls answered by the
real simulator; webhooks are signed bodies POSTed to the app's public /webhook.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.web.api.harness import (
    APP_SECRET,
    Harness,
    add_contacts,
    app_settings,
    fast_webhooks,
    running_app,
    simulator_config,
)
from wabroadcast.config import Settings
from wabroadcast.simulator.webhook_payloads import user_id_for
from wabroadcast.storage.tables import Contact, ContactIdentity, Reply, Send
from wabroadcast.webhooks import sign

ANA = "BR.1502576394655843"
ANA_LATER = "BR.3319562041183725"
PHONE = "+905551000000"  # the first number add_contacts gives


def _envelope(value: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        **value,
    }
    change = {"field": field, "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


def _text(message_id: str, *, wa_id: str | None, user_id: str, body: str = "merhaba") -> Any:
    contact: dict[str, Any] = {"profile": {"name": "Ana"}, "user_id": user_id}
    message: dict[str, Any] = {"from_user_id": user_id, "id": message_id}
    if wa_id is not None:
        contact["wa_id"] = message["from"] = wa_id
    message |= {"timestamp": "1765812000", "type": "text", "text": {"body": body}}
    return _envelope({"contacts": [contact], "messages": [message]})


def _system(message_id: str, system: dict[str, Any], **sender: str) -> Any:
    message = {**sender, "id": message_id, "timestamp": "1765900000", "type": "system"}
    return _envelope({"messages": [message | {"system": {"body": "changed", **system}}]})


async def _post_webhook(h: Harness, payload: Any) -> None:
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": sign(body, APP_SECRET), "Content-Type": "application/json"}
    answer = await h.anon.post("/webhook", content=body, headers=headers)
    assert answer.status_code == 200, answer.text


async def _reply_stored(h: Harness, message_id: str) -> Reply:
    def stored() -> Reply | None:
        with h.database.session() as session:
            return session.scalar(select(Reply).where(Reply.message_id == message_id))

    found: Reply = await h.wait_for(stored)
    return found


async def _import(h: Harness, name: str, text: str) -> dict[str, Any]:
    answer = await h.client.post("/api/contacts", files={"file": (name, text.encode(), "text/csv")})
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


async def _campaign(h: Harness, template: str, language: str, limit: int = 10) -> dict[str, Any]:
    body = {"template_name": template, "language": language, "limit": limit}
    answer = await h.client.post("/api/campaigns", json=body)
    assert answer.status_code == 202, answer.text
    return await h.campaign_done(answer.json()["id"])


async def _contacts(h: Harness, q: str = "") -> list[dict[str, Any]]:
    answer = await h.client.get("/api/contacts", params={"q": q} if q else {})
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


@pytest.mark.anyio
async def test_a_bsuid_only_contact_is_sent_by_recipient_and_its_statuses_arrive(
    settings: Settings,
) -> None:
    sim = simulator_config()
    async with running_app(app_settings(settings), sim=sim, webhooks=fast_webhooks(sim)) as h:
        report = await _import(h, "users.csv", f"user_id,name\n{ANA},Ana\n")
        assert report["imported"] == 1 and report["rejected"] == 0
        done = await _campaign(h, "daily_offer", "tr")
        assert (done["accepted"], done["failed"]) == (1, 0)
        (message,) = h.simulator.accepted
        assert message.to == ANA  # `recipient`, not `to`

        async def read() -> bool:
            return (await h.client.get(f"/api/campaigns/{done['id']}")).json()["read"] == 1

        await h.wait_for(read)  # statuses carry recipient_user_id only, matched by wamid
        (contact,) = await _contacts(h, ANA)
        assert contact["phone"] is None and contact["user_id"] == ANA
        with h.database.session() as session:
            send = session.scalars(select(Send)).one()
            assert send.phone is None and send.status == "read"


@pytest.mark.anyio
async def test_a_phone_contact_gets_the_bsuid_its_statuses_carry(settings: Settings) -> None:
    sim = simulator_config()
    async with running_app(app_settings(settings), sim=sim, webhooks=fast_webhooks(sim)) as h:
        add_contacts(h.database, 1)
        await _campaign(h, "daily_offer", "tr")
        expected = user_id_for(PHONE.lstrip("+"))

        async def attached() -> list[dict[str, Any]]:
            return [c for c in await _contacts(h) if c["user_id"] == expected]

        (contact,) = await h.wait_for(attached)
        assert contact["phone"] == PHONE
        assert [c["id"] for c in await _contacts(h, expected)] == [contact["id"]]


@pytest.mark.anyio
async def test_import_refuses_a_malformed_user_id_naming_file_and_line(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings)) as h:
        text = f"phone,user_id,name\n+905551000001,{ANA},Ana\n,br-123,Bad\n,,Nobody\n,{ANA},Again\n"
        report = await _import(h, "mixed.csv", text)
        assert (report["imported"], report["rejected"]) == (1, 3)
        bad, nobody, again = sorted(report["problems"], key=lambda p: p["line"])
        assert bad["line"] == 3 and "'br-123' is not a business-scoped user id" in bad["reason"]
        assert nobody["line"] == 4 and nobody["reason"] == "no phone number"
        assert again["line"] == 5 and again["reason"] == f"duplicate: {ANA} is already on line 2"
        (contact,) = await _contacts(h)
        assert (contact["phone"], contact["user_id"]) == ("+905551000001", ANA)


@pytest.mark.anyio
async def test_a_reply_from_a_bsuid_without_a_number_creates_then_finds_its_contact(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings)) as h:
        await _post_webhook(h, _text("wamid.IN1", wa_id=None, user_id=ANA))
        first = await _reply_stored(h, "wamid.IN1")
        await _post_webhook(h, _text("wamid.IN2", wa_id=None, user_id=ANA))
        second = await _reply_stored(h, "wamid.IN2")
        assert first.contact_id is not None and first.contact_id == second.contact_id
        (contact,) = await _contacts(h)
        assert contact["phone"] is None and contact["user_id"] == ANA


@pytest.mark.anyio
async def test_a_changed_bsuid_is_current_and_the_old_one_still_finds_the_contact(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings)) as h:
        await _import(h, "users.csv", f"user_id,name\n{ANA},Ana\n")
        change = {"type": "user_changed_user_id", "user_id": ANA_LATER, "previous_user_id": ANA}
        await _post_webhook(h, _system("wamid.SYS1", change, from_user_id=ANA))
        await _reply_stored(h, "wamid.SYS1")
        (contact,) = await _contacts(h)
        assert contact["user_id"] == ANA_LATER
        await _post_webhook(h, _text("wamid.LATE", wa_id=None, user_id=ANA))  # a late webhook
        late = await _reply_stored(h, "wamid.LATE")
        assert late.contact_id == contact["id"]
        assert (await _contacts(h))[0]["user_id"] == ANA_LATER  # not turned back
        with h.database.session() as session:
            ids = session.execute(
                select(ContactIdentity.value, ContactIdentity.replaced_at.is_(None)).where(
                    ContactIdentity.kind == "user_id"
                )
            ).all()
        assert sorted(ids) == [(ANA, False), (ANA_LATER, True)]


@pytest.mark.anyio
async def test_a_changed_number_becomes_the_contacts_phone(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        add_contacts(h.database, 1)
        change = {"type": "user_changed_number", "wa_id": "905329998877", "user_id": ANA_LATER}
        await _post_webhook(h, _system("wamid.SYS2", change, **{"from": PHONE.lstrip("+")}))
        await _reply_stored(h, "wamid.SYS2")
        (contact,) = await _contacts(h)
        assert (contact["phone"], contact["user_id"]) == ("+905329998877", ANA_LATER)
        assert contact["wa_id"] == "905329998877"


@pytest.mark.anyio
async def test_two_contacts_found_to_be_one_person_keep_both_never_twice_histories(
    settings: Settings,
) -> None:
    sim = simulator_config()
    async with running_app(app_settings(settings), sim=sim) as h:
        await _import(h, "users.csv", f"user_id,name\n{ANA},Ana\n")
        assert (await _campaign(h, "daily_offer", "tr"))["accepted"] == 1  # to her BSUID
        add_contacts(h.database, 1)  # her number, imported later, unlinked so far
        assert (await _campaign(h, "hello_world", "en_US"))["accepted"] == 2
        # She writes from her number: the webhook shows number and BSUID together.
        await _post_webhook(h, _text("wamid.BOTH", wa_id=PHONE.lstrip("+"), user_id=ANA))
        await _reply_stored(h, "wamid.BOTH")

        (contact,) = await _contacts(h)
        assert (contact["phone"], contact["user_id"]) == (PHONE, ANA)
        with h.database.session() as session:
            sends = session.execute(select(Send.template_name, Send.contact_id)).all()
        assert sorted(t for t, _ in sends) == ["daily_offer", "hello_world"]
        assert {c for _, c in sends} == {contact["id"]}
        # Neither template reaches her again, by number or by BSUID.
        before = len(h.simulator.accepted)
        assert (await _campaign(h, "daily_offer", "tr"))["selected"] == 0
        assert (await _campaign(h, "hello_world", "en_US"))["selected"] == 0
        assert len(h.simulator.accepted) == before


@pytest.mark.anyio
async def test_a_merge_moves_the_tags_of_the_contact_merged_away(settings: Settings) -> None:
    async with running_app(app_settings(settings), sim=simulator_config()) as h:
        await _import(h, "users.csv", f"user_id,name\n{ANA},Ana\n")
        await _import(h, "phones.csv", "phone,tags\n+905551000000,izmir;new\n")
        answer = await h.client.post(
            "/api/contacts/tags", json={"q": "Ana", "add": ["VIP", "izmir"]}
        )
        assert answer.json()["added"] == 2, answer.text
        # The phone contact is kept; the BSUID-only one (with the VIP tag) is merged away.
        await _post_webhook(h, _text("wamid.TAGS", wa_id=PHONE.lstrip("+"), user_id=ANA))
        await _reply_stored(h, "wamid.TAGS")

        (contact,) = await _contacts(h)
        assert (contact["phone"], contact["user_id"]) == (PHONE, ANA)
        assert sorted(contact["tags"]) == ["VIP", "izmir", "new"]
        answer = await h.client.get("/api/contacts", params={"tag": "vip"})
        assert [c["id"] for c in answer.json()["items"]] == [contact["id"]]
        body = {"template_name": "daily_offer", "language": "tr", "limit": 5}
        answer = await h.client.post("/api/campaigns", json=body | {"audience": {"tags": ["vip"]}})
        assert answer.status_code == 202, answer.text
        assert (await h.campaign_done(answer.json()["id"]))["accepted"] == 1


@pytest.mark.anyio
async def test_importing_a_number_with_a_known_bsuid_merges_instead_of_adding(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings), sim=simulator_config()) as h:
        await _import(h, "users.csv", f"user_id,name\n{ANA},Ana\n")
        await _campaign(h, "daily_offer", "tr")
        report = await _import(h, "phones.csv", f"phone,user_id\n{PHONE},{ANA}\n")
        assert report["rejected"] == 0
        (contact,) = await _contacts(h)
        assert (contact["phone"], contact["user_id"], contact["name"]) == (PHONE, ANA, "Ana")
        assert (await _campaign(h, "daily_offer", "tr"))["selected"] == 0
        with h.database.session() as session:
            assert session.scalar(select(func.count()).select_from(Contact)) == 1


@pytest.mark.anyio
async def test_131062_fails_the_send_with_its_reason(settings: Settings) -> None:
    sim = simulator_config(bsuid_unsupported_templates=frozenset({"daily_offer"}))
    async with running_app(app_settings(settings), sim=sim) as h:
        await _import(h, "users.csv", f"user_id,name\n{ANA},Ana\n")
        done = await _campaign(h, "daily_offer", "tr")
        assert (done["state"], done["accepted"], done["failed"]) == ("completed", 0, 1)
        with h.database.session() as session:
            send = session.scalars(select(Send)).one()
        assert send.state == "failed" and send.error_code == 131062
        assert "not supported for this message type" in (send.error_title or "")


@pytest.mark.anyio
async def test_an_opt_out_by_bsuid_only_creates_an_opted_out_contact(settings: Settings) -> None:
    async with running_app(app_settings(settings), sim=simulator_config()) as h:
        preference = {"user_id": ANA, "detail": "stop", "category": "marketing_messages"}
        preference |= {"value": "stop", "timestamp": 1765813000}
        contact = {"profile": {"name": "Ana"}, "user_id": ANA}
        value = {"contacts": [contact], "user_preferences": [preference]}
        await _post_webhook(h, _envelope(value, field="user_preferences"))

        async def opted_out() -> list[dict[str, Any]]:
            return [c for c in await _contacts(h, ANA) if c["opted_out"]]

        (stored,) = await h.wait_for(opted_out)
        assert stored["phone"] is None
        assert (await _campaign(h, "daily_offer", "tr"))["selected"] == 0


@pytest.mark.anyio
@pytest.mark.parametrize(("language", "header"), [("en", "BSUID"), ("tr", "BSUID")])
async def test_the_contacts_page_shows_the_bsuid(
    settings: Settings, language: str, header: str
) -> None:
    async with running_app(app_settings(settings)) as h:
        await _import(h, "users.csv", f"user_id,name\n{ANA},Ana\n")
        page = await h.client.get(
            "/contacts", params={"q": ANA}, headers={"Accept-Language": language}
        )
        assert page.status_code == 200, page.text
        assert f"<th>{header}</th>" in page.text
        assert 'data-testid="contact-bsuid"><span title="' in page.text and ANA in page.text
        hint = "Name, number or BSUID" if language == "en" else "İsim, numara ya da BSUID"
        assert hint in page.text


@pytest.mark.anyio
async def test_a_status_naming_a_known_bsuid_merges_the_two_contacts(settings: Settings) -> None:
    async with running_app(app_settings(settings), sim=simulator_config()) as h:
        await _import(h, "users.csv", f"user_id,name\n{ANA},Ana\n")
        add_contacts(h.database, 1)
        assert (await _campaign(h, "daily_offer", "tr"))["accepted"] == 2
        to_phone = next(m for m in h.simulator.accepted if m.to == PHONE)
        status = {"id": to_phone.message_id, "status": "delivered", "timestamp": "1765810803"}
        status["recipient_id"] = PHONE.lstrip("+")
        contact = {"profile": {"name": "Ana"}, "wa_id": PHONE.lstrip("+"), "user_id": ANA}
        await _post_webhook(h, _envelope({"contacts": [contact], "statuses": [status]}))

        async def merged() -> list[dict[str, Any]]:
            contacts = await _contacts(h)
            return contacts if len(contacts) == 1 else []

        (one,) = await h.wait_for(merged)
        assert (one["phone"], one["user_id"]) == (PHONE, ANA)
        with h.database.session() as session:
            sends = session.execute(select(Send.contact_id, Send.status)).all()
        # Both got daily_offer before anyone knew; the kept contact's send is the one kept.
        assert sends == [(one["id"], "delivered")]
