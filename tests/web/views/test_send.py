"""The send page: eligible count and preview from the engine's selection; starting a campaign."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest
from markupsafe import escape
from sqlalchemy import func, select

import tests.engine.helpers as engine_helpers
from tests.web.api.harness import add_contacts
from tests.web.views.helpers import add_templates, panel
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Contact, Send


def mark_taken(database: Database, phones: list[str]) -> None:
    """First contact opted out, second unreachable, third already got daily_offer."""
    now = datetime.now(UTC)
    with database.session() as session:
        contacts = {c.phone: c for c in session.scalars(select(Contact))}
        contacts[phones[0]].opted_out_at = now
        contacts[phones[0]].opt_out_reason = "STOP reply"
        contacts[phones[1]].unreachable_at = now
        contacts[phones[1]].unreachable_reason = "131026 undeliverable"
        session.add(
            Send(
                template_name="daily_offer",
                contact_id=contacts[phones[2]].id,
                language="tr",
                phone=phones[2],
                state="accepted",
                claimed_at=now,
                updated_at=now,
            )
        )


@pytest.mark.anyio
async def test_eligible_count_and_preview_follow_the_selection(settings: Settings) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        phones = add_contacts(p.database, 20)
        mark_taken(p.database, phones)
        answer = await p.browser.get(
            "/panel/api/eligible",
            params={"template": "daily_offer", "language": "tr", "limit": "5", "preview": "1"},
        )
        assert answer.status_code == 200
        body = answer.json()
        assert body["eligible"] == 17
        assert body["will_send"] == 5
        assert body["will_send_text"] == "this campaign will send 5"
        assert [row["phone"] for row in body["preview"]] == phones[3:13]
        assert body["preview"][0]["name"] == "Contact 3"
        assert body["message"] == "Bugünün fırsatı sizi bekliyor!"
        # another template: nobody has had it yet, except the opted-out and unreachable
        other = await p.browser.get(
            "/panel/api/eligible", params={"template": "hello_world", "limit": "100"}
        )
        assert other.json()["eligible"] == 18
        assert other.json()["will_send"] == 18
        assert other.json()["preview"] == []
        turkish = await p.browser.get(
            "/panel/api/eligible",
            params={"template": "daily_offer", "limit": "5", "lang": "tr"},
        )
        assert turkish.json()["will_send_text"] == "bu kampanya 5 gönderecek"
        missing = await p.browser.get("/panel/api/eligible", params={"limit": "5"})
        assert missing.status_code == 400


@pytest.mark.anyio
async def test_send_page_lists_templates_and_renders_a_preview(settings: Settings) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        phones = add_contacts(p.database, 4)
        page = await p.browser.get("/send?template=daily_offer&language=tr&limit=2")
        assert page.status_code == 200
        assert '<option value="daily_offer" selected>' in page.text
        assert re.search(r'<option value="en_US" data-template="old_promo" disabled>', page.text)
        count = re.search(r'data-testid="eligible-count">([^<]+)<', page.text)
        assert count is not None and count.group(1) == "4"
        assert phones[0] in page.text and "Contact 0" in page.text
        assert "Bugünün fırsatı sizi bekliyor!" in page.text


@pytest.mark.anyio
async def test_submitting_starts_a_campaign_that_runs_in_the_background(
    settings: Settings,
) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        add_contacts(p.database, 12)
        answer = await p.browser.post(
            "/send",
            data={"template": "daily_offer", "language": "tr", "limit": "10", "csrf_token": p.csrf},
        )
        assert answer.status_code == 303, answer.text
        location = answer.headers["location"]
        assert re.fullmatch(r"/campaigns/\d+", location)
        campaign_id = int(location.rsplit("/", 1)[1])
        body = await p.h.campaign_done(campaign_id)
        assert body["state"] == "completed"
        assert body["accepted"] == 10
        page = await p.browser.get(location)
        assert 'data-testid="funnel-accepted">10<' in page.text
        assert 'data-testid="campaign-state">Completed<' in page.text
        assert len(p.h.simulator.accepted) == 10


@pytest.mark.anyio
async def test_bad_input_is_explained_and_creates_nothing(settings: Settings) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        add_contacts(p.database, 3)
        cases = [
            ({"template": "", "language": "tr", "limit": "5"}, "Choose a template."),
            ({"template": "daily_offer", "language": "", "limit": "5"}, "Choose the template"),
            ({"template": "daily_offer", "language": "tr", "limit": "0"}, "from 1 to 10,000,000"),
            ({"template": "daily_offer", "language": "tr", "limit": "lots"}, "whole number"),
            ({"template": "daily_offer", "language": "de", "limit": "5"}, "in language 'de'"),
            ({"template": "old_promo", "language": "en_US", "limit": "5"}, "PAUSED"),
        ]
        for data, message in cases:
            answer = await p.browser.post("/send", data={**data, "csrf_token": p.csrf})
            assert answer.status_code == 400, data
            assert str(escape(message)) in answer.text, (data, answer.text[-2000:])
            assert 'data-testid="send-error"' in answer.text
        with p.database.session() as session:
            assert session.scalar(select(func.count()).select_from(Campaign)) == 0


@pytest.mark.anyio
async def test_without_a_cloud_api_client_the_page_says_why_and_sends_nothing(
    settings: Settings,
) -> None:
    """No access token and no simulator wired: the panel works, sending is refused."""
    from tests.web.api.harness import app_settings
    from tests.web.views.helpers import browser_login
    from wabroadcast.app import create_app

    plain = app_settings(settings, graph_api_url="https://graph.facebook.com")
    database = Database(plain.database_url)
    app = create_app(plain, database=database)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as browser:
                csrf = await browser_login(browser)
                add_templates(database)
                page = await browser.get("/send")
                assert "Sending is disabled" in page.text
                refused = await browser.post(
                    "/send",
                    data={
                        "template": "daily_offer",
                        "language": "tr",
                        "limit": "5",
                        "csrf_token": csrf,
                    },
                )
                assert refused.status_code == 503
                with database.session() as session:
                    assert session.scalar(select(func.count()).select_from(Campaign)) == 0
    finally:
        database.dispose()


@pytest.mark.anyio
async def test_names_the_api_refuses_are_refused_by_the_panel_too(settings: Settings) -> None:
    """HTML, NUL and a 100,000-character name: the campaign manager's one check, a 400 page
    that names the field, and no campaign (PostgreSQL stores no NUL, so none may reach it)."""
    async with panel(settings) as p:
        add_templates(p.database)
        add_contacts(p.database, 3)
        cases = [
            ({"template": "<b>daily_offer</b>", "language": "tr"}, "is not a template name"),
            ({"template": "daily\x00offer", "language": "tr"}, "is not a template name"),
            ({"template": "x" * 100_000, "language": "tr"}, "is not a template name"),
            ({"template": "daily_offer", "language": "tr\x00"}, "is not a language code"),
            ({"template": "daily_offer", "language": "<i>tr</i>"}, "is not a language code"),
        ]
        for data, message in cases:
            answer = await p.browser.post(
                "/send", data={**data, "limit": "5", "csrf_token": p.csrf}
            )
            assert answer.status_code == 400, (data["template"][:40], answer.text[-2000:])
            assert message in answer.text, data["template"][:40]
            assert 'data-testid="send-error"' in answer.text
            assert "<b>daily_offer</b>" not in answer.text and "<i>tr</i>" not in answer.text
            assert len(answer.text) < 100_000  # the name is not echoed whole
            api = await p.h.client.post(
                "/api/campaigns",
                json={"template_name": data["template"], "language": data["language"], "limit": 5},
            )
            assert api.status_code == 422, api.text[:500]
        odd_language = {"template": "daily_offer", "language": "tr\x00", "preview": "1"}
        for query in ({"template": "daily\x00offer"}, {"template": "x" * 5_000}, odd_language):
            eligible = await p.browser.get("/panel/api/eligible", params=query)
            assert eligible.status_code < 500
            page = await p.browser.get("/send", params=query)
            assert page.status_code < 500
        with p.database.session() as session:
            assert session.scalar(select(func.count()).select_from(Campaign)) == 0
        assert p.h.simulator.accepted == []


SKIPPED_TR = (
    "2 ABD (+1) numarası atlandı: Meta, 1 Nisan 2025'ten beri pazarlama şablonlarını ABD "
    "numaralarına iletmiyor; MARKETING_TO_US=true ayarıyla bu numaralara da gönderilir."
)


def add_us_contacts(database: Database, phones: list[str]) -> None:
    engine_helpers.add_contacts(database, len(phones), first_index=100, phones=phones)


@pytest.mark.anyio
async def test_a_marketing_template_counts_and_explains_the_us_numbers_it_skips(
    settings: Settings,
) -> None:
    async with panel(settings) as p:
        add_templates(p.database)  # daily_offer is MARKETING
        phones = add_contacts(p.database, 3)
        add_us_contacts(p.database, ["+12025550101", "+14155550102"])
        query = {"template": "daily_offer", "language": "tr", "limit": "10", "preview": "1"}
        answer = await p.browser.get("/panel/api/eligible", params={**query, "lang": "tr"})
        body = answer.json()
        assert (body["eligible"], body["skipped_us"]) == (3, 2)
        assert body["skipped_us_text"] == SKIPPED_TR
        assert [row["phone"] for row in body["preview"]] == phones
        english = await p.browser.get("/panel/api/eligible", params={**query, "lang": "en"})
        assert english.json()["skipped_us_text"].startswith("2 US (+1) numbers skipped: ")
        page = await p.browser.get("/send", params={**query, "lang": "tr"})
        assert str(escape(SKIPPED_TR)) in page.text
        assert "+12025550101" not in page.text


@pytest.mark.anyio
async def test_with_marketing_to_us_the_send_page_counts_us_numbers_as_eligible(
    settings: Settings,
) -> None:
    async with panel(settings.model_copy(update={"marketing_to_us": True})) as p:
        add_templates(p.database)
        add_contacts(p.database, 3)
        add_us_contacts(p.database, ["+12025550101", "+14155550102"])
        answer = await p.browser.get(
            "/panel/api/eligible", params={"template": "daily_offer", "limit": "10"}
        )
        body = answer.json()
        assert (body["eligible"], body["skipped_us"], body["skipped_us_text"]) == (5, 0, None)
        page = await p.browser.get("/send", params={"template": "daily_offer", "limit": "10"})
        assert 'id="skipped-us"' in page.text and "US (+1)" not in page.text
