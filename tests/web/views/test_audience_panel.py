"""The panel's tags and audiences: the contacts page's tag filter and bulk change, and the
send form's audience with its live count, on the real app and database."""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests.engine.helpers import add_contacts as engine_add_contacts
from tests.web.api.harness import add_contacts
from tests.web.views.helpers import add_templates, panel
from tests.web.views.test_turkish_pages import english_in
from wabroadcast.config import Settings
from wabroadcast.storage.tables import Campaign, Schedule, Send


@pytest.mark.anyio
async def test_contacts_page_filters_by_tag_and_changes_tags_in_bulk(settings: Settings) -> None:
    async with panel(settings) as p:
        phones = add_contacts(p.database, 5)
        ticked = {"csrf_token": p.csrf, "tags": "VIP; izmir", "action": "add"}
        answer = await p.browser.post(
            "/contacts/tags", data={**ticked, "scope": "selected", "phone": phones[:2]}
        )
        assert answer.status_code == 200, answer.text[-2000:]
        assert "4 tags added (2 contacts chosen)." in answer.text
        page = await p.browser.get("/contacts", params={"tag": "vip"})
        assert page.text.count('name="phone" value=') == 2
        assert phones[0] in page.text and phones[2] not in page.text
        assert ">VIP (2)</option>" in page.text

        whole_list = {"csrf_token": p.csrf, "tags": "gold", "action": "add", "tag": "VIP"}
        answer = await p.browser.post(
            "/contacts/tags?tag=VIP", data={**whole_list, "scope": "filtered"}
        )
        assert "2 tags added (2 contacts chosen)." in answer.text
        removed = {"csrf_token": p.csrf, "tags": "vip", "action": "remove", "phone": phones[0]}
        answer = await p.browser.post("/contacts/tags", data={**removed, "scope": "selected"})
        assert "1 tags removed (1 contacts chosen)." in answer.text
        page = await p.browser.get("/contacts", params={"tag": "gold"})
        assert page.text.count('name="phone" value=') == 2

        nothing = {"csrf_token": p.csrf, "tags": "x", "action": "add", "scope": "selected"}
        answer = await p.browser.post("/contacts/tags", data=nothing)
        assert answer.status_code == 400
        assert "Tick the contacts to change" in answer.text
        bad = {**nothing, "phone": phones[0], "tags": "x" * 70}
        answer = await p.browser.post("/contacts/tags", data=bad)
        assert answer.status_code == 400 and "longer than 64 characters" in answer.text


@pytest.mark.anyio
async def test_send_form_counts_the_audience_live_and_sends_only_to_it(settings: Settings) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        phones = add_contacts(p.database, 6)
        tagging = {"phones": phones[1:4], "add": ["vip"]}
        assert (await p.h.client.post("/api/contacts/tags", json=tagging)).status_code == 200
        excluded = {"phones": [phones[2]], "add": ["test"]}
        assert (await p.h.client.post("/api/contacts/tags", json=excluded)).status_code == 200
        base = {"template": "daily_offer", "language": "tr", "limit": "10", "preview": "1"}
        everyone = (await p.browser.get("/panel/api/eligible", params=base)).json()
        assert everyone["eligible"] == 6
        audience = {**base, "tags": "VIP", "match": "any", "exclude_tags": "test"}
        narrowed = (await p.browser.get("/panel/api/eligible", params=audience)).json()
        assert narrowed["eligible"] == 2
        assert [row["phone"] for row in narrowed["preview"]] == [phones[1], phones[3]]
        broken = await p.browser.get("/panel/api/eligible", params={**base, "where": "city"})
        assert broken.status_code == 422
        assert "is not FIELD OP VALUE" in broken.json()["error"]["message"]

        answer = await p.browser.post("/send", data={**base, "where": "city", "csrf_token": p.csrf})
        assert answer.status_code == 400
        assert str(escape("The audience cannot be used: condition 'city'")) in answer.text
        with p.database.session() as session:
            assert session.scalar(select(func.count()).select_from(Campaign)) == 0

        answer = await p.browser.post("/send", data={**audience, "csrf_token": p.csrf})
        assert answer.status_code == 303, answer.text[-2000:]
        campaign_id = int(answer.headers["location"].rsplit("/", 1)[1])
        done = await p.h.campaign_done(campaign_id)
        assert done["accepted"] == 2 and done["audience"]["tags"] == ["VIP"]
        with p.database.session() as session:
            sent = set(session.scalars(select(Send.phone)))
        assert sent == {phones[1], phones[3]}


@pytest.mark.anyio
async def test_the_schedule_form_takes_an_audience(settings: Settings) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        phones = add_contacts(p.database, 4)
        tagging = {"phones": phones[:3], "add": ["vip"]}
        assert (await p.h.client.post("/api/contacts/tags", json=tagging)).status_code == 200
        form = {
            "template": "daily_offer",
            "language": "tr",
            "daily_count": "2",
            "time_of_day": "10:00",
            "time_zone": "Europe/Istanbul",
            "csrf_token": p.csrf,
        }
        refused = await p.browser.post("/schedules", data={**form, "where": "plan in gold"})
        assert refused.status_code == 400
        assert "takes a list" in refused.text and ">plan in gold</textarea>" in refused.text
        with p.database.session() as session:
            assert session.scalar(select(func.count()).select_from(Schedule)) == 0
        created = await p.browser.post("/schedules", data={**form, "tags": "VIP"})
        assert created.status_code == 303, created.text[-2000:]
        schedules = (await p.h.client.get("/api/schedules")).json()
        assert schedules[0]["audience"]["tags"] == ["VIP"]
        assert schedules[0]["eligible"] == 3 and schedules[0]["days_remaining"] == 2


@pytest.mark.anyio
async def test_tag_and_audience_refusals_are_turkish_on_a_turkish_page(
    settings: Settings,
) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        phones = add_contacts(p.database, 2)
        await p.browser.get("/?lang=tr")
        base = {"template": "daily_offer", "language": "tr", "limit": "10", "csrf_token": p.csrf}
        answer = await p.browser.post("/send", data={**base, "where": "city"})
        assert answer.status_code == 400
        assert str(escape("Hedef kitle kullanılamıyor: 'city' koşulu ALAN İŞLEÇ DEĞER")) in (
            answer.text
        )
        answer = await p.browser.post("/send", data={**base, "tags": "vip", "exclude_tags": "VIP"})
        assert str(escape("'vip' etiketi hem isteniyor hem hariç tutuluyor")) in answer.text
        answer = await p.browser.post("/send", data={**base, "tags": "nosuch"})
        assert answer.status_code == 400
        assert str(escape("hiçbir kişide 'nosuch' etiketi yok")) in answer.text
        assert english_in(answer.text) == []
        live = {k: v for k, v in base.items() if k != "csrf_token"}
        broken = await p.browser.get("/panel/api/eligible", params={**live, "where": "city ="})
        assert broken.status_code == 422
        message = broken.json()["error"]["message"]
        assert "'city =' koşulunda '=' işaretinden sonra değer yok" in message

        bad = {"csrf_token": p.csrf, "tags": "x" * 70, "action": "add", "scope": "selected"}
        answer = await p.browser.post("/contacts/tags", data={**bad, "phone": phones[0]})
        assert answer.status_code == 400
        assert "etiketi 64 karakterden uzun" in answer.text
        assert english_in(answer.text) == []
        with p.database.session() as session:
            assert session.scalar(select(func.count()).select_from(Campaign)) == 0

        api = await p.h.client.post(
            "/api/audiences/count",
            json={"template_name": "daily_offer", "audience": {"where": ["plan in gold"]}},
            headers={"Accept-Language": "tr"},
        )
        assert api.status_code == 422
        assert api.json()["error"]["code"] == "invalid_audience"
        assert "'in' bir liste ister" in api.json()["error"]["message"]


@pytest.mark.anyio
async def test_the_send_page_estimate_prices_only_the_audience(settings: Settings) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        phones = ["+905551000001", "+5511987654321", "+905551000002"]
        engine_add_contacts(p.database, 3, phones=phones)
        tagging = {"phones": [phones[1]], "add": ["abroad"]}
        assert (await p.h.client.post("/api/contacts/tags", json=tagging)).status_code == 200
        base = {"template": "daily_offer", "language": "tr", "limit": "1"}
        everyone = (await p.browser.get("/panel/api/eligible", params=base)).json()
        markets = [m["market"] for m in everyone["estimated_cost"]["by_market"]]
        assert markets == ["TR"]  # the first contact of the whole list
        audience = {**base, "tags": "abroad"}
        narrowed = (await p.browser.get("/panel/api/eligible", params=audience)).json()
        markets = [m["market"] for m in narrowed["estimated_cost"]["by_market"]]
        assert markets == ["BR"]  # the one contact the audience gives
