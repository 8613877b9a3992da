"""Opt-out and opt-in: user_preferences, keywords (Turkish i's included), error 131050."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.webhooks.conftest import (
    FixedClock,
    Hook,
    add_contact,
    load_fixture,
    make_app,
    webhook_settings,
)
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, OptOut, Reply
from wabroadcast.webhooks.optouts import KeywordRules, normalize_keyword, split_keywords

pytestmark = pytest.mark.anyio
ANA = "+5511987654321"


def _text(body: str, message_id: str, ts: int = 1765812000) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("inbound_text"))
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update(id=message_id, timestamp=str(ts))
    message["text"]["body"] = body
    return payload


def _preference(value: str, ts: int) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("user_preferences_stop"))
    item = payload["entry"][0]["changes"][0]["value"]["user_preferences"][0]
    item.update(value=value, timestamp=ts)
    return payload


def _contact(database: Database) -> Contact:
    with database.session() as session:
        return session.scalars(select(Contact).where(Contact.phone == ANA)).one()


def _log(database: Database) -> list[tuple[str, str]]:
    with database.session() as session:
        rows = session.scalars(select(OptOut).order_by(OptOut.occurred_at, OptOut.id))
        return [(r.action, r.reason) for r in rows]


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        " Stop ",
        "STOP!",
        "DUR",
        "dur.",
        "İPTAL",
        "IPTAL",
        "iptal",
        "ıptal",
        "İptal",
        "I\u0307PTAL",
        "UNSUBSCRIBE",
        "Abonelik İptal",
        "ABONELIK  IPTAL",
        "abonelık ıptal",
    ],
)
def test_opt_out_keywords_match_in_any_case_and_i(text: str) -> None:
    assert KeywordRules().match([text]) == "stop"


@pytest.mark.parametrize(
    "text", ["stop sending me ads", "DURAK", "iptal et", "STOPP", "", "   ", "durum nedir"]
)
def test_only_the_whole_message_counts(text: str) -> None:
    assert KeywordRules().match([text]) is None


def test_opt_in_keywords_and_custom_lists() -> None:
    assert KeywordRules().match(["başla"]) == "resume"
    assert KeywordRules().match(["BASLA"]) == "resume"
    assert KeywordRules().match(["Start"]) == "resume"
    rules = KeywordRules(opt_out=split_keywords(" Hayır , ÇIK,"), opt_in=split_keywords("EVET"))
    assert rules.match(["çık"]) == "stop" and rules.match(["hayir"]) == "stop"
    assert rules.match(["STOP"]) is None and rules.match(["evet"]) == "resume"
    assert normalize_keyword("  ABONELİK   İPTAL ") == "abonelik iptal"
    assert normalize_keyword("Çıkış Güle Öğle") == "cikis gule ogle"


async def test_user_preferences_stop_then_resume(hook: Hook, database: Database) -> None:
    with database.session() as session:
        add_contact(session, ANA)
    await hook.post_fixture("user_preferences_stop")
    contact = _contact(database)
    assert contact.opted_out_at == datetime.fromtimestamp(1765813000, UTC)
    assert contact.opt_out_reason == "user_preferences stop"
    assert contact.user_id == "BR.1502576394655843"
    await hook.post_fixture("user_preferences_stop")
    await hook.post_fixture("user_preferences_resume")
    contact = _contact(database)
    assert contact.opted_out_at is None and contact.opt_out_reason is None
    assert _log(database) == [
        ("stop", "user_preferences stop"),
        ("resume", "user_preferences resume"),
    ]


async def test_a_stale_resume_does_not_undo_a_newer_stop(hook: Hook, database: Database) -> None:
    with database.session() as session:
        add_contact(session, ANA)
    await hook.post(_preference("stop", 1765900000))
    await hook.post(_preference("resume", 1765800000))  # older, delivered late
    contact = _contact(database)
    assert contact.opted_out_at == datetime.fromtimestamp(1765900000, UTC)
    assert len(_log(database)) == 2


@pytest.mark.parametrize("word", ["iptal", "ıptal", "IPTAL", "İPTAL", "Abonelik iptal", "DUR"])
async def test_keyword_reply_opts_out_and_start_opts_back_in(
    hook: Hook, database: Database, word: str
) -> None:
    with database.session() as session:
        add_contact(session, ANA)
    await hook.post(_text(word, "wamid.A", ts=1765812000))
    contact = _contact(database)
    assert contact.opted_out_at == datetime.fromtimestamp(1765812000, UTC)
    assert contact.opt_out_reason is not None and contact.opt_out_reason.startswith("keyword ")
    await hook.post(_text("BAŞLA", "wamid.B", ts=1765812100))
    assert _contact(database).opted_out_at is None
    await hook.post(_text("Teşekkürler", "wamid.C", ts=1765812200))
    assert _contact(database).opted_out_at is None
    assert [a for a, _ in _log(database)] == ["stop", "resume"]


async def test_stop_from_an_unknown_number_creates_an_opted_out_contact(
    hook: Hook, database: Database
) -> None:
    await hook.post(_text("merhaba", "wamid.before", ts=1765811000))
    await hook.post(_text("STOP", "wamid.stop", ts=1765812000))
    contact = _contact(database)
    assert contact.opted_out_at == datetime.fromtimestamp(1765812000, UTC)
    assert contact.wa_id == "5511987654321" and contact.name == "Ana Souza"
    with database.session() as session:
        assert set(session.scalars(select(Reply.contact_id))) == {contact.id}


async def test_resume_from_an_unknown_number_creates_nothing(hook: Hook) -> None:
    await hook.post_fixture("user_preferences_resume")
    with hook.database.session() as session:
        assert session.scalars(select(Contact)).all() == []


async def test_configured_keywords_replace_the_defaults(
    database_url: str, database: Database
) -> None:
    settings = webhook_settings(database_url, OPT_OUT_KEYWORDS="ÇIKIŞ", OPT_IN_KEYWORDS="GİRİŞ")
    with database.session() as session:
        add_contact(session, ANA)
    app = make_app(settings, database, FixedClock())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        hook = Hook(client, database)
        await hook.post(_text("STOP", "wamid.1", ts=1765812000))
        assert _contact(database).opted_out_at is None
        await hook.post(_text("çıkış", "wamid.2", ts=1765812001))
        assert _contact(database).opted_out_at is not None
        await hook.post(_text("giris", "wamid.3", ts=1765812002))
        assert _contact(database).opted_out_at is None
