"""Why a campaign is refused, in the caller's language: Turkish for `Accept-Language: tr`,
the engine's English sentence, unchanged, for everyone else (scripts match on it).

Each refusal is produced by the real app (the simulator's default templates, synced by the
first campaign request); the Turkish expected is the tr locale's text with the same values.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from markupsafe import escape

from tests.web.api.harness import Harness, add_contacts, app_settings, running_app
from tests.web.views.helpers import add_campaign, panel
from wabroadcast.config import Settings
from wabroadcast.engine.manager import (
    MAX_CAMPAIGN_LIMIT,
    MAX_TEMPLATE_NAME,
    TEMPLATE_NAME_PATTERN,
    CampaignManager,
    CampaignRefused,
    CampaignRequest,
)
from wabroadcast.web.i18n import translator
from wabroadcast.web.reasons import api_error_text

TURKISH = {"Accept-Language": "tr-TR,tr;q=0.9"}
TR = translator("tr")
OTHER_NUMBER = "106540352242999"


def turkish(key: str, /, **values: Any) -> str:
    return TR(f"api_error.{key}", **values)


async def refusal(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    answer = await client.post("/api/campaigns", json={"limit": 5, **body}, headers=headers)
    assert answer.status_code == 422, answer.text
    error: dict[str, Any] = answer.json()["error"]
    return error


async def turkish_refusal(h: Harness, body: dict[str, Any]) -> tuple[str, str]:
    """The Turkish message and the English one for the same request."""
    english = (await refusal(h.client, body))["message"]
    translated = (await refusal(h.client, body, TURKISH))["message"]
    assert translated != english
    return translated, english


@pytest.mark.anyio
async def test_every_api_refusal_is_turkish_for_accept_language_tr(settings: Settings) -> None:
    config = app_settings(settings, phone_numbers=f"{OTHER_NUMBER}:500")
    async with running_app(config) as h:
        message, _ = await turkish_refusal(h, {"template_name": "nope", "language": "tr"})
        assert message.startswith(turkish("template_missing", name="nope", known="daily_offer"))

        message, english = await turkish_refusal(
            h, {"template_name": "daily_offer", "language": "tr", "phone_number_id": "123"}
        )
        assert english.startswith("phone number id 123 is not configured")
        known = english.partition("list: ")[2].removesuffix(")")
        assert message == turkish("unknown_phone_number", id="123", known=known)

        message, _ = await turkish_refusal(h, {"template_name": "daily_offer", "language": "de"})
        assert message == turkish(
            "template_language", name="daily_offer", language="de", available="en_US, tr"
        )

        for name, status in (("winter_sale", "PAUSED"), ("new_launch", "PENDING")):
            message, _ = await turkish_refusal(h, {"template_name": name, "language": "en_US"})
            assert message == turkish("template_status", name=name, status=status)

        message, _ = await turkish_refusal(h, {"template_name": "spring_sale", "language": "pt_BR"})
        problem = TR("api_error.parameter.missing", where="body", variable="{{1}}")
        assert message == turkish(
            "parameters_misfit", name="spring_sale", language="pt_BR", problems=problem
        )

        message, _ = await turkish_refusal(
            h, {"template_name": "order_update", "language": "en_US"}
        )
        problems = "; ".join(
            TR("api_error.parameter.missing", where="body", variable=f"{{{{{key}}}}}")
            for key in ("first_name", "order_id")
        )
        assert message == turkish(
            "parameters_misfit", name="order_update", language="en_US", problems=problems
        )

        # the schema refuses what is not a name or a language code before the manager sees it
        error = await refusal(h.client, {"template_name": "Daily Offer"}, TURKISH)
        assert error["message"] == "template_name: " + turkish(
            "pattern_mismatch", pattern=TEMPLATE_NAME_PATTERN
        )
        error = await refusal(h.client, {"template_name": "x" * 600}, TURKISH)
        assert error["message"] == "template_name: " + turkish("too_long", max="512")
        error = await refusal(h.client, {"template_name": "daily_offer", "language": "t"}, TURKISH)
        assert error["message"] == "language: " + turkish("too_short", min="2")

        error = await refusal(h.client, {"template_name": "daily_offer", "limit": 0}, TURKISH)
        assert error["message"] == "limit: " + turkish(
            "limit_range", max=f"{MAX_CAMPAIGN_LIMIT:,}", got="0"
        )


@pytest.mark.anyio
async def test_an_unreadable_template_list_is_explained_in_turkish(settings: Settings) -> None:
    """The Cloud API refuses the listing (another WABA): the panel's words name no command."""
    async with running_app(app_settings(settings, waba_id="999999999999999")) as h:
        body = {"template_name": "daily_offer", "language": "tr"}
        message, english = await turkish_refusal(h, body)
        assert english.endswith("try again, or run `wabroadcast templates sync`")
        # the Cloud API's own words carry a fresh fbtrace_id each time: compare around them
        before, _, after = turkish(
            "template_list_unreadable", name="daily_offer", error="\0"
        ).partition("\0")
        assert message.startswith(before + "GraphError: ") and message.endswith(after)
        assert "wabroadcast templates sync" not in message


@pytest.mark.anyio
async def test_refusals_without_an_http_route_are_turkish_too(settings: Settings) -> None:
    """No Cloud API to ask (the schedule runner's case), and contacts lacking a value (only
    parameters reach that check): the app's own manager refuses, the sentence is translated."""
    async with running_app(app_settings(settings)) as h:
        await refusal(h.client, {"template_name": "nope"})  # syncs the templates
        offline = CampaignManager(h.database, h.app.state.settings, h.app.state.clock, lambda: None)
        with pytest.raises(CampaignRefused) as refused:
            await offline.create(CampaignRequest("brand_new", "tr", 5))
        assert api_error_text(str(refused.value), TR) == turkish(
            "template_unknown_offline", name="brand_new"
        )

        phones = add_contacts(h.database, 7)
        manager: CampaignManager = h.app.state.campaigns
        parameters = {"body": {"1": "attributes.city"}}
        with pytest.raises(CampaignRefused) as refused:
            await manager.create(CampaignRequest("spring_sale", "pt_BR", 10, parameters=parameters))
        english = str(refused.value)
        assert english.startswith("7 contacts lack a value")
        shown = "; ".join(
            TR(
                "api_error.empty_value",
                phone=phone,
                where="body",
                variable="{{1}}",
                source="attributes.city",
            )
            for phone in phones[:5]
        )
        more = TR("api_error.and_more", more="2")
        expected = turkish("contacts_lack_value", count="7", shown=shown, more=more)
        assert api_error_text(english, TR) == expected
        assert "--param" not in expected


@pytest.mark.anyio
async def test_schedule_parameters_are_refused_in_turkish(settings: Settings) -> None:
    """The parameter checks of `parse_spec`, through POST /api/schedules."""
    cases: list[tuple[Any, str, dict[str, str]]] = [
        ({"zzz": {}}, "parameter_sections", {"sections": "['zzz']"}),
        ({"body": {"1": ":x"}}, "value_empty_field", {"where": "body {{1}}", "raw": "':x'"}),
        ({"body": {"1": {"foo": 1}}}, "value_keys", {"where": "body {{1}}", "keys": "['foo']"}),
        ({"body": {"1": {}}}, "value_missing", {"where": "body {{1}}"}),
        ({"body": {"1": 5}}, "value_type", {"where": "body {{1}}", "type": "int"}),
        ({"body": 3}, "values_type", {"where": "body"}),
        ({"header": 3}, "header_object", {"example": "{'type': 'image', 'link': 'https://…'}"}),
        (
            {"header": {"type": "gif"}},
            "header_kind",
            {"kind": "'gif'", "kinds": "text, image, video, document"},
        ),
        ({"header": {"type": "image"}}, "header_link_or_id", {"kind": "image"}),
        (
            {"header": {"type": "image", "link": "ftp://x"}},
            "header_link",
            {"kind": "image", "link": "'ftp://x'"},
        ),
        (
            {"header": {"type": "video", "id": "abc"}},
            "header_media_id",
            {"kind": "video", "id": "'abc'"},
        ),
        ({"buttons": {"x": "name"}}, "button_key", {"key": "'x'"}),
    ]
    async with running_app(app_settings(settings)) as h:
        for parameters, key, values in cases:
            body = {
                "template_name": "daily_offer",
                "language": "tr",
                "daily_count": 10,
                "time_of_day": "10:00",
                "time_zone": "Europe/Istanbul",
                "parameters": parameters,
            }
            english = await h.client.post("/api/schedules", json=body)
            answer = await h.client.post("/api/schedules", json=body, headers=TURKISH)
            assert answer.status_code == english.status_code == 422, answer.text
            message = answer.json()["error"]["message"]
            assert message == turkish(key, **values), parameters
            assert message != english.json()["error"]["message"]


@pytest.mark.anyio
async def test_english_callers_get_the_engines_sentences(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        await refusal(h.client, {"template_name": "nope"})
        cases = [
            (
                {"template_name": "daily_offer", "language": "de"},
                "template 'daily_offer' does not exist in language 'de'; it exists in: en_US, tr",
            ),
            (
                {"template_name": "winter_sale", "language": "en_US"},
                "template 'winter_sale' is PAUSED",
            ),
            (
                {"template_name": "spring_sale", "language": "pt_BR"},
                "parameters do not fit template 'spring_sale' (pt_BR): body needs {{1}} but no "
                "value is given",
            ),
        ]
        for body, sentence in cases:
            for headers in (None, {"Accept-Language": "en"}, {"Accept-Language": "en-US,tr;q=0.5"}):
                assert (await refusal(h.client, body, headers))["message"] == sentence


@pytest.mark.anyio
async def test_the_send_form_shows_the_refusal_in_turkish(settings: Settings) -> None:
    async with panel(settings) as p:
        await p.browser.get("/?lang=tr")
        cases = [
            (
                {"template": "daily_offer", "language": "de"},
                turkish(
                    "template_language", name="daily_offer", language="de", available="en_US, tr"
                ),
            ),
            (
                {"template": "Daily Offer", "language": "tr"},
                turkish("not_template_name", name="'Daily Offer'", max=MAX_TEMPLATE_NAME),
            ),
            (
                {"template": "daily_offer", "language": "t r"},
                turkish("not_language_code", language="'t r'"),
            ),
        ]
        for data, message in cases:
            answer = await p.browser.post(
                "/send", data={**data, "limit": "5", "csrf_token": p.csrf}
            )
            assert answer.status_code == 400, data
            assert 'data-testid="send-error"' in answer.text
            assert str(escape(message)) in answer.text, (data, answer.text[-2000:])


@pytest.mark.anyio
async def test_a_campaign_refused_when_its_run_begins_says_why_in_turkish(
    settings: Settings,
) -> None:
    """The template was paused after the campaign was stored (a schedule's or a retry's):
    the run refuses it before any claim, and the campaign page says why in Turkish."""
    async with panel(settings) as p:
        await refusal(p.h.client, {"template_name": "nope"})  # syncs the templates
        campaign_id = add_campaign(p.database, template_name="winter_sale", language="en_US")
        manager: CampaignManager = p.h.app.state.campaigns
        summary = await manager.run(campaign_id)
        assert summary.error == "template 'winter_sale' is PAUSED"
        await p.browser.get("/?lang=tr")
        page = await p.browser.get(f"/campaigns/{campaign_id}")
        assert page.status_code == 200
        expected = turkish("template_status", name="winter_sale", status="PAUSED")
        assert str(escape(expected)) in page.text
        assert "template 'winter_sale' is PAUSED" not in page.text
