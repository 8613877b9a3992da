from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.config import load_settings
from wabroadcast.engine.templates import sync_templates
from wabroadcast.simulator import SimTemplate, SimulatorConfig, create_simulator, default_templates
from wabroadcast.storage.db import Database
from wabroadcast.storage.templates import (
    TemplateNotSendable,
    TemplateRecord,
    check_sendable,
    get_template,
    languages_of,
    list_templates,
    set_template_status,
    upsert_templates,
)

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
BODY = {"type": "BODY", "text": "Merhaba {{1}}"}


def _records() -> list[TemplateRecord]:
    return [
        TemplateRecord("daily_offer", "en_US", "APPROVED", "MARKETING", "POSITIONAL", (BODY,), "1"),
        TemplateRecord("daily_offer", "de", "PAUSED", "MARKETING", None, (), "2", "RED"),
        TemplateRecord("hello_world", "en_US", "APPROVED", "UTILITY", None, (), "3", "GREEN"),
    ]


def test_upsert_inserts_updates_and_marks_unlisted_templates_deleted(database: Database) -> None:
    with database.session() as session:
        first = upsert_templates(session, _records(), now=T0)
    assert (first.added, first.updated, first.unchanged, first.gone) == (3, 0, 0, 0)

    later = T0 + timedelta(hours=1)
    changed = [
        TemplateRecord("daily_offer", "en_US", "APPROVED", "UTILITY", "POSITIONAL", (BODY,), "1"),
        TemplateRecord("daily_offer", "de", "PAUSED", "MARKETING", None, (), "2", "RED"),
    ]
    with database.session() as session:
        second = upsert_templates(session, changed, now=later)
    assert (second.added, second.updated, second.unchanged, second.gone) == (0, 1, 1, 1)

    with database.session() as session:
        offer = get_template(session, "daily_offer", "en_US")
        assert offer is not None
        assert offer.category == "UTILITY"
        assert offer.components == [BODY]
        assert offer.synced_at == later
        hello = get_template(session, "hello_world", "en_US")
        assert hello is not None and hello.status == "DELETED"
        assert [t.language for t in list_templates(session, status="approved")] == ["en_US"]
        assert languages_of(session, "daily_offer") == ["de", "en_US"]


def test_check_sendable_explains_refusals(database: Database) -> None:
    with database.session() as session:
        upsert_templates(session, _records(), now=T0)
    with database.session() as session:
        row = check_sendable(session, "daily_offer", "en_US")
        assert row is not None and row.meta_id == "1"
        with pytest.raises(TemplateNotSendable) as paused:
            check_sendable(session, "daily_offer", "de")
        assert str(paused.value) == "template 'daily_offer' is PAUSED"
        with pytest.raises(TemplateNotSendable) as missing:
            check_sendable(session, "daily_offer", "tr")
        assert str(missing.value) == (
            "template 'daily_offer' does not exist in language 'tr'; it exists in: de, en_US"
        )
        # never synced under that name: the Cloud API decides
        assert check_sendable(session, "brand_new", "tr") is None


def test_status_webhook_updates_by_meta_id_or_name(database: Database) -> None:
    with database.session() as session:
        upsert_templates(session, _records(), now=T0)
    with database.session() as session:
        rows = set_template_status(session, status="PAUSED", meta_id="1", now=T0)
        assert [(r.name, r.language, r.status) for r in rows] == [
            ("daily_offer", "en_US", "PAUSED")
        ]
        set_template_status(
            session,
            status="FLAGGED",
            name="hello_world",
            language="en_US",
            now=T0,
            quality_score="yellow",
        )
    with database.session() as session:
        with pytest.raises(TemplateNotSendable, match="is PAUSED"):
            check_sendable(session, "daily_offer", "en_US")
        hello = get_template(session, "hello_world", "en_US")
        assert hello is not None and (hello.status, hello.quality_score) == ("APPROVED", "YELLOW")
        set_template_status(session, status="REINSTATED", meta_id="1", now=T0)
    with database.session() as session:
        assert check_sendable(session, "daily_offer", "en_US") is not None


def _many_templates() -> tuple[SimTemplate, ...]:
    extra = tuple(
        SimTemplate(
            id=f"9{i:05d}",
            name=f"promo_{i:03d}",
            language="tr",
            status="APPROVED",
            category="MARKETING",
            components=({"type": "BODY", "text": f"Kampanya {i}: {{{{1}}}} için ğüşıöçİ"},),
        )
        for i in range(230)
    )
    return tuple(default_templates()) + extra


@pytest.mark.anyio
async def test_sync_reads_every_page_from_the_simulator(database: Database) -> None:
    config = SimulatorConfig(templates=_many_templates(), latency=0, latency_jitter=0)
    simulator_app = create_simulator(config)
    settings = load_settings({"GRAPH_API_URL": "http://graph.test"}, env_file=None)
    transport = httpx.ASGITransport(app=simulator_app)
    async with httpx.AsyncClient(transport=transport) as http:
        client = CloudAPIClient.from_settings(http, settings)
        summary = await sync_templates(database, client, FixedClock(T0))

    assert (summary.added, summary.total) == (238, 238)  # 8 defaults + 230: three pages of 100
    with database.session() as session:
        rows = list_templates(session)
        assert len(rows) == 238
        promo = get_template(session, "promo_229", "tr")
        assert promo is not None
        assert promo.components == [{"type": "BODY", "text": "Kampanya 229: {{1}} için ğüşıöçİ"}]
        assert (promo.meta_id, promo.status, promo.quality_score) == ("900229", "APPROVED", "GREEN")
        paused = get_template(session, "winter_sale", "en_US")
        assert paused is not None and paused.status == "PAUSED"
        named = get_template(session, "order_update", "en_US")
        assert named is not None and named.parameter_format == "NAMED"
        assert languages_of(session, "daily_offer") == ["en_US", "tr"]
        with pytest.raises(TemplateNotSendable, match="'winter_sale' is PAUSED"):
            check_sendable(session, "winter_sale", "en_US")


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
