"""Every panel page: renders for a logged-in user, sends others to /login, shows the sandbox
banner, speaks Turkish and English, and escapes what strangers wrote."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from markupsafe import escape

from tests.web.api.harness import add_contacts
from tests.web.views.helpers import (
    PAGES,
    SANDBOX_EN,
    SANDBOX_TR,
    add_campaign,
    add_templates,
    being_sent,
    panel,
)
from wabroadcast.config import Settings
from wabroadcast.storage.tables import Contact, WebhookEvent
from wabroadcast.web.i18n import LANG_COOKIE

SCRIPT = "<script>alert('x')</script>"


@pytest.mark.anyio
async def test_every_page_renders_for_a_logged_in_user(settings: Settings) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        add_contacts(p.database, 3)
        campaign_id = add_campaign(p.database)
        for path in (*PAGES, f"/campaigns/{campaign_id}"):
            answer = await p.browser.get(path)
            assert answer.status_code == 200, (path, answer.text[:300])
            assert answer.headers["content-type"].startswith("text/html")
            assert SANDBOX_EN in answer.text, path
            assert 'action="/logout"' in answer.text, path
            assert 'name="csrf_token" value="' + p.csrf in answer.text, path


@pytest.mark.anyio
async def test_huge_page_numbers_are_a_400_not_a_500(settings: Settings) -> None:
    async with panel(settings) as p:
        add_contacts(p.database, 3)
        for path in (
            "/contacts?page=9223372036854775807",
            "/campaigns?page=4611686018427387904",
            "/contacts?page=" + "9" * 5000,
            "/campaigns?page=2000001",
        ):
            answer = await p.browser.get(path)
            assert answer.status_code == 400, (path[:40], answer.status_code)
            assert "page must be between 1 and 2,000,000" in answer.text
        assert (await p.browser.get("/contacts?page=2000000")).status_code == 200
        for garbage in ("-5", "\u00b2", "abc"):  # "²" passes str.isdigit but not int()
            assert (await p.browser.get(f"/contacts?page={garbage}")).status_code == 200


@pytest.mark.anyio
async def test_pages_redirect_to_login_without_a_session(settings: Settings) -> None:
    async with panel(settings) as p:
        campaign_id = add_campaign(p.database)
        async with p.h.client_at("10.1.2.3") as anonymous:
            for path in (*PAGES, f"/campaigns/{campaign_id}", "/panel/api/eligible?template=x"):
                answer = await anonymous.get(path)
                assert answer.status_code == 303, path
                assert answer.headers["location"].startswith("/login?next=%2F"), path
            login = await anonymous.get("/login")
            assert login.status_code == 200
            assert SANDBOX_EN in login.text
            assert 'name="token"' in login.text
            assert 'action="/logout"' not in login.text


@pytest.mark.anyio
async def test_forms_without_the_csrf_token_are_refused(settings: Settings) -> None:
    async with panel(settings) as p:
        campaign_id = add_campaign(p.database)
        being_sent(p.database, campaign_id)
        for path, data in (
            (f"/campaigns/{campaign_id}/pause", {}),
            ("/send", {"template": "daily_offer", "language": "tr", "limit": "5"}),
            ("/logout", {}),
        ):
            refused = await p.browser.post(path, data={**data, "csrf_token": "forged"})
            assert refused.status_code == 403, path
        page = await p.browser.get(f"/campaigns/{campaign_id}")
        assert "state-running" in page.text


@pytest.mark.anyio
async def test_wrong_login_is_shown_in_the_visitors_language(settings: Settings) -> None:
    async with panel(settings) as p, p.h.client_at("10.7.7.7") as visitor:
        page = await visitor.get("/login?lang=tr")
        assert "Giriş yap" in page.text
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        wrong = await visitor.post("/login", data={"token": "nope", "csrf_token": token})
        assert wrong.status_code == 401
        assert "Anahtar yanlış." in wrong.text
        assert SANDBOX_TR in wrong.text


@pytest.mark.anyio
async def test_language_switch_by_link_then_cookie(settings: Settings) -> None:
    async with panel(settings) as p:
        english = await p.browser.get("/send")
        assert "Send a template" in english.text
        assert 'href="/send?lang=tr"' in english.text
        turkish = await p.browser.get("/send?lang=tr")
        assert "Şablon gönder" in turkish.text
        assert '<html lang="tr">' in turkish.text
        assert SANDBOX_TR in turkish.text
        assert p.browser.cookies.get(LANG_COOKIE) == "tr"
        for path in PAGES:  # the choice sticks without the parameter
            answer = await p.browser.get(path)
            assert '<html lang="tr">' in answer.text, path
            assert SANDBOX_TR in answer.text
        back = await p.browser.get("/stats?days=7&lang=en")
        assert "Stats" in back.text and '<html lang="en">' in back.text
        assert 'href="/stats?days=7&amp;lang=tr"' in back.text


@pytest.mark.anyio
async def test_default_language_follows_accept_language(settings: Settings) -> None:
    async with panel(settings) as p:
        p.browser.cookies.delete(LANG_COOKIE)
        turkish = await p.browser.get("/", headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.8"})
        assert '<html lang="tr">' in turkish.text and "Genel bakış" in turkish.text
        english = await p.browser.get("/", headers={"Accept-Language": "de-DE,en;q=0.5"})
        assert '<html lang="en">' in english.text and "Overview" in english.text


@pytest.mark.anyio
async def test_user_data_is_escaped(settings: Settings) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        now = datetime.now(UTC)
        with p.database.session() as session:
            session.add(
                Contact(
                    phone="+905551112233",
                    name=SCRIPT,
                    index=1,
                    attributes={},
                    opted_out_at=now,
                    opt_out_reason="<img src=x onerror=alert(1)>",
                    created_at=now,
                    updated_at=now,
                )
            )
            session.add(
                WebhookEvent(
                    received_at=now,
                    body=json.dumps({"entry": [{"changes": [{"value": {"x": SCRIPT}}]}]}),
                    kind="<b>odd</b>",
                )
            )
        add_campaign(p.database, template_name=SCRIPT, error=SCRIPT)
        pages = {
            "/contacts": SCRIPT,
            "/contacts?filter=opted_out": "<img src=x onerror=alert(1)>",
            "/logs/webhooks": "<b>odd</b>",
            "/templates": "Old <b>promo</b>",
            "/campaigns": SCRIPT,
            "/campaigns/1": SCRIPT,
            "/": SCRIPT,
        }
        for path, raw in pages.items():
            answer = await p.browser.get(path)
            assert answer.status_code == 200, path
            assert raw not in answer.text, path
            assert str(escape(raw)) in answer.text, path
        log = await p.browser.get("/logs/webhooks")
        assert SCRIPT not in log.text
        assert "&lt;script&gt;" in log.text


@pytest.mark.anyio
async def test_static_files_are_served_by_the_package(settings: Settings) -> None:
    async with panel(settings) as p:
        page = await p.browser.get("/campaigns")
        assert "http://" not in page.text.split("<body")[0]  # no CDN in the head
        for name, kind in (
            ("panel.css", "text/css"),
            ("send.js", "text/javascript"),
            ("campaign.js", "text/javascript"),
        ):
            answer = await p.h.anon.get(f"/static/{name}")
            assert answer.status_code == 200, name
            assert answer.headers["content-type"].startswith(kind)
        assert (await p.h.anon.get("/static/..%2Fviews%2Frender.py")).status_code == 404
        assert (await p.h.anon.get("/static/nope.css")).status_code == 404


@pytest.mark.anyio
async def test_unknown_campaign_is_a_404_page_not_a_crash(settings: Settings) -> None:
    async with panel(settings) as p:
        for path in ("/campaigns/999", "/campaigns/abc", "/campaigns/99999999999999999999999"):
            answer = await p.browser.get(path)
            assert answer.status_code == 404, path
            assert "text/html" in answer.headers["content-type"]
            assert SANDBOX_EN in answer.text
