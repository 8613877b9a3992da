"""Per-contact parameters and pre-send refusals, through the real engine and the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.config import Settings, load_settings
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine import create_campaign, run_campaign
from wabroadcast.engine.summary import CampaignSummary
from wabroadcast.engine.templates import preview, sync_templates
from wabroadcast.simulator import SimTemplate, Simulator, SimulatorConfig, create_simulator
from wabroadcast.simulator import default_templates as sim_templates
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Send
from wabroadcast.storage.templates import get_template

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
PHOTO_OFFER = SimTemplate(
    id="777001",
    name="photo_offer",
    language="tr",
    status="APPROVED",
    category="MARKETING",
    components=(
        {"type": "HEADER", "format": "IMAGE"},
        {"type": "BODY", "text": "Merhaba {{1}}, {{2}} mağazamızda indirim başladı!"},
    ),
)
PEOPLE = [
    ("+905321000001", "Ğülşen Çağlayan", {"city": "İstanbul"}),
    ("+905321000002", None, {"city": "Muş"}),
    ("+905321000003", "  Işıl\nÖztürk ", {}),
]
PARAMS: dict[str, Any] = {
    "header": {"type": "image", "link": "https://cdn.example/kampanya.jpg"},
    "body": {
        "1": {"field": "name", "fallback": "Değerli Müşterimiz"},
        "2": {"field": "attributes.city", "fallback": "en yakın"},
    },
}


class Clock:
    def now(self) -> datetime:
        return T0


@dataclass
class World:
    database: Database
    simulator: Simulator
    client: CloudAPIClient
    settings: Settings

    async def campaign(
        self, template: str, language: str, params: dict[str, Any]
    ) -> CampaignSummary:
        with self.database.session() as session:
            campaign = create_campaign(
                session,
                template_name=template,
                language=language,
                limit=10,
                phone_number_id=self.settings.phone_number_id,
                clock=Clock(),
            )
            campaign.parameters = params
            campaign_id = campaign.id
        return await run_campaign(
            campaign_id, database=self.database, client=self.client, settings=self.settings
        )

    def send_count(self) -> int:
        with self.database.session() as session:
            return session.scalar(select(func.count()).select_from(Send)) or 0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def world(database: Database, database_url: str) -> AsyncIterator[World]:
    with database.session() as session:
        session.execute(
            insert(Contact),
            [
                {
                    "phone": p,
                    "name": n,
                    "index": i,
                    "attributes": a,
                    "created_at": T0,
                    "updated_at": T0,
                }
                for i, (p, n, a) in enumerate(PEOPLE)
            ],
        )
    config = SimulatorConfig(
        templates=(*sim_templates(), PHOTO_OFFER), latency=0, latency_jitter=0, seed=3
    )
    simulator_app = create_simulator(config)
    settings = load_settings(
        {"DATABASE_URL": database_url, "GRAPH_API_URL": "http://graph.test"}, env_file=None
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=simulator_app)) as http:
        client = CloudAPIClient.from_settings(http, settings)
        await sync_templates(database, client, Clock())
        yield World(database, simulator_app.state.simulator, client, settings)


@pytest.mark.anyio
async def test_each_contact_gets_its_own_parameters_and_the_image_header(world: World) -> None:
    summary = await world.campaign("photo_offer", "tr", PARAMS)

    assert summary.state == CampaignState.COMPLETED
    assert summary.accepted == 3
    sent = {m.to: m.components for m in world.simulator.accepted}
    header = {
        "type": "header",
        "parameters": [{"type": "image", "image": {"link": "https://cdn.example/kampanya.jpg"}}],
    }

    def body(*texts: str) -> dict[str, Any]:
        return {"type": "body", "parameters": [{"type": "text", "text": t} for t in texts]}

    assert sent == {
        "+905321000001": (header, body("Ğülşen Çağlayan", "İstanbul")),
        "+905321000002": (header, body("Değerli Müşterimiz", "Muş")),
        "+905321000003": (header, body("Işıl Öztürk", "en yakın")),
    }


@pytest.mark.anyio
async def test_positional_template_from_the_defaults(world: World) -> None:
    summary = await world.campaign("spring_sale", "pt_BR", {"body": {"1": "name:cliente"}})
    assert (summary.state, summary.accepted) == (CampaignState.COMPLETED, 3)
    texts = sorted(m.components[0]["parameters"][0]["text"] for m in world.simulator.accepted)
    assert texts == ["Işıl Öztürk", "cliente", "Ğülşen Çağlayan"]


@pytest.mark.parametrize(
    ("template", "language", "params", "error"),
    [
        (
            "daily_offer",
            "de",
            {},
            "template 'daily_offer' does not exist in language 'de'; it exists in: en_US, tr",
        ),
        ("winter_sale", "en_US", {}, "template 'winter_sale' is PAUSED"),
        ("old_promo", "en_US", {}, "template 'old_promo' is DISABLED"),
        ("photo_offer", "tr", {"body": PARAMS["body"]}, "header needs an image"),
        ("spring_sale", "pt_BR", {}, "body needs {{1}} but no value is given"),
        (
            "spring_sale",
            "pt_BR",
            {"body": {"1": "attributes.city"}},
            "1 contacts lack a value and the parameter has no fallback: contact +905321000003",
        ),
    ],
)
@pytest.mark.anyio
async def test_refusals_happen_before_anyone_is_claimed(
    world: World, template: str, language: str, params: dict[str, Any], error: str
) -> None:
    summary = await world.campaign(template, language, params)

    assert summary.state == CampaignState.ABORTED
    assert summary.error is not None and error in summary.error
    assert summary.selected == 0
    assert world.send_count() == 0
    assert world.simulator.accepted == []


@pytest.mark.anyio
async def test_preview_renders_the_first_recipients(world: World) -> None:
    with world.database.session() as session:
        template = get_template(session, "photo_offer", "tr")
        assert template is not None
        texts = preview(session, PARAMS, template, limit=2)
    assert texts == [
        "Merhaba Ğülşen Çağlayan, İstanbul mağazamızda indirim başladı!",
        "Merhaba Değerli Müşterimiz, Muş mağazamızda indirim başladı!",
    ]
