"""Template parameters from the API and the send page: checked before anyone is claimed,
stored on the campaign, shown by the API, and rendered per contact into what is sent."""

from __future__ import annotations

import re
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests.web.api.harness import Harness, add_contacts, app_settings, running_app
from tests.web.views.helpers import panel
from wabroadcast.config import Settings
from wabroadcast.storage.tables import Campaign, Contact, Send

pytestmark = pytest.mark.anyio

NAME_OR_AMIGO = {"body": {"1": {"field": "name", "fallback": "amigo"}}}


def body_texts(h: Harness) -> dict[str, list[str]]:
    """What the simulated Meta received: each number's body parameter texts."""
    sent: dict[str, list[str]] = {}
    for message in h.simulator.accepted:
        body = [c for c in message.components if c.get("type") == "body"]
        sent[message.to] = [p["text"] for c in body for p in c.get("parameters", [])]
    return sent


def campaign_count(h: Harness) -> int:
    with h.database.session() as session:
        return int(session.scalar(select(func.count()).select_from(Campaign)) or 0)


async def test_the_api_takes_parameters_and_each_contact_gets_its_own(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        phones = add_contacts(h.database, 3)
        with h.database.session() as session:  # the third has no name: the fallback fills in
            session.scalars(select(Contact).where(Contact.phone == phones[2])).one().name = None
        assert (await h.client.post("/api/templates/sync")).status_code == 200
        answer = await h.client.post(
            "/api/campaigns",
            json={
                "template_name": "spring_sale",
                "language": "pt_BR",
                "limit": 3,
                "parameters": NAME_OR_AMIGO,
            },
        )
        assert answer.status_code == 202, answer.text
        done = await h.campaign_done(answer.json()["id"])
        assert (done["state"], done["accepted"]) == ("completed", 3)
        assert done["parameters"] == NAME_OR_AMIGO
        assert body_texts(h) == {
            phones[0]: ["Contact 0"],
            phones[1]: ["Contact 1"],
            phones[2]: ["amigo"],
        }
        plain = await h.client.post(
            "/api/campaigns", json={"template_name": "daily_offer", "language": "tr", "limit": 1}
        )
        assert (await h.campaign_done(plain.json()["id"]))["parameters"] == {}


@pytest.mark.parametrize(
    ("parameters", "words"),
    [
        (None, "parameters do not fit template 'spring_sale' (pt_BR)"),  # {{1}} needs a value
        ({"body": {"1": "name", "2": "name"}}, "parameters do not fit template 'spring_sale'"),
        ({"footer": {"1": "name"}}, "unknown sections ['footer']"),
        ({"body": {"1": {"field": "nickname"}}}, "nickname"),
    ],
)
async def test_parameters_that_do_not_fit_are_refused_before_anyone_is_claimed(
    settings: Settings, parameters: dict[str, Any] | None, words: str
) -> None:
    async with running_app(app_settings(settings)) as h:
        add_contacts(h.database, 2)
        assert (await h.client.post("/api/templates/sync")).status_code == 200
        request: dict[str, Any] = {"template_name": "spring_sale", "language": "pt_BR", "limit": 2}
        if parameters is not None:
            request["parameters"] = parameters
        answer = await h.client.post("/api/campaigns", json=request)
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert words in error["message"], error
        assert error.get("field") == "parameters", error
        assert campaign_count(h) == 0
        assert h.simulator.accepted == []
        with h.database.session() as session:
            assert session.scalar(select(func.count()).select_from(Send)) == 0


async def test_the_send_page_takes_parameters_previews_them_and_sends_them(
    settings: Settings,
) -> None:
    async with panel(settings) as p:
        phones = add_contacts(p.database, 2)
        assert (await p.h.client.post("/api/templates/sync")).status_code == 200
        query = {"template": "spring_sale", "language": "pt_BR", "limit": "2", "preview": "1"}
        without = (await p.browser.get("/panel/api/eligible", params=query)).json()
        assert without["eligible"] == 2 and without["message"] is None  # {{1}} has no value yet
        given = {**query, "parameters": "1=name:amigo"}
        found = (await p.browser.get("/panel/api/eligible", params=given)).json()
        assert found["message"] == "Oi Contact 0, tudo em promoção nesta primavera!"
        page = await p.browser.get("/send", params=given)
        assert 'name="parameters"' in page.text
        assert "Oi Contact 0, tudo em promoção nesta primavera!" in page.text

        form = {"template": "spring_sale", "language": "pt_BR", "limit": "2"}
        bad = await p.browser.post(
            "/send", data={**form, "parameters": "1 name", "csrf_token": p.csrf}
        )
        assert bad.status_code == 400
        line = "a parameter line must look like KEY=FIELD[:FALLBACK] (e.g. 1=name:Fallback)"
        assert str(escape(f"{line}, got '1 name'")) in bad.text
        assert "The template parameters cannot be used" in bad.text
        assert "1 name" in bad.text  # what was typed is kept in the form
        misfit = await p.browser.post("/send", data={**form, "csrf_token": p.csrf})
        assert misfit.status_code == 400
        assert "spring_sale" in misfit.text and 'data-testid="send-error"' in misfit.text
        assert campaign_count(p.h) == 0

        sent = await p.browser.post(
            "/send", data={**form, "parameters": "1=name:amigo", "csrf_token": p.csrf}
        )
        assert sent.status_code == 303, sent.text
        campaign_id = int(sent.headers["location"].rsplit("/", 1)[1])
        done = await p.h.campaign_done(campaign_id)
        assert done["accepted"] == 2
        assert done["parameters"] == {"body": {"1": "name:amigo"}}
        assert body_texts(p.h) == {phones[0]: ["Contact 0"], phones[1]: ["Contact 1"]}


async def test_a_turkish_send_page_says_the_parameters_are_wrong_in_turkish(
    settings: Settings,
) -> None:
    async with panel(settings) as p:
        add_contacts(p.database, 1)
        assert (await p.h.client.post("/api/templates/sync")).status_code == 200
        answer = await p.browser.post(
            "/send?lang=tr",
            data={
                "template": "spring_sale",
                "language": "pt_BR",
                "limit": "1",
                "parameters": "oops",
                "csrf_token": p.csrf,
            },
        )
        assert answer.status_code == 400
        assert re.search("Şablon parametreleri kullanılamıyor", answer.text)
