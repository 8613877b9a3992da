"""Schedule errors, retry and state-change refusals and why sending is unavailable, in the
caller's language: Turkish for `Accept-Language: tr` (and on the panel's Turkish pages), the
English sentence, unchanged, for everyone else (scripts match on it).

Each message is produced by the real app; the Turkish expected is the tr locale's text with
the same values.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from markupsafe import escape
from pydantic import SecretStr

from tests.web.api.harness import TOKEN, app_settings, running_app
from tests.web.views.helpers import add_campaign, being_sent, browser_login, panel
from wabroadcast.app import create_app
from wabroadcast.config import Settings
from wabroadcast.engine.outcomes import failure_reason
from wabroadcast.schedules import store
from wabroadcast.schedules.store import MAX_DAILY_COUNT
from wabroadcast.schedules.timing import ScheduleError
from wabroadcast.storage.db import Database
from wabroadcast.web.i18n import translator
from wabroadcast.web.reasons import api_error_text

TURKISH = {"Accept-Language": "tr-TR,tr;q=0.9"}
TR = translator("tr")
SCHEDULE = {
    "template_name": "daily_offer",
    "language": "tr",
    "daily_count": 10,
    "time_of_day": "10:00",
    "time_zone": "Europe/Istanbul",
}
NO_TOKEN = {"graph_api_url": "https://graph.facebook.com", "whatsapp_access_token": None}


def turkish(key: str, /, **values: Any) -> str:
    return TR(f"api_error.{key}", **values)


async def messages(
    client: httpx.AsyncClient, method: str, path: str, status: int, **kwargs: Any
) -> tuple[str, str]:
    """The Turkish message and the English one for the same request (refused both times)."""
    english = await client.request(method, path, **kwargs)
    answer = await client.request(method, path, headers=TURKISH, **kwargs)
    assert english.status_code == answer.status_code == status, answer.text
    translated: str = answer.json()["error"]["message"]
    sentence: str = english.json()["error"]["message"]
    assert translated != sentence
    return translated, sentence


@pytest.mark.anyio
async def test_schedule_errors_of_the_api_are_turkish(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        post = ("POST", "/api/schedules", 422)
        cases: list[tuple[dict[str, Any], str, dict[str, str]]] = [
            ({"time_zone": "Mars/Base"}, "unknown_time_zone", {"zone": "'Mars/Base'"}),
            (
                {"window_start": "09:00", "window_end": "20:00", "window_time_zone": "Nowhere/X"},
                "unknown_time_zone",
                {"zone": "'Nowhere/X'"},
            ),
            ({"window_start": "09:00"}, "window_half", {}),
            ({"window_start": "09:00", "window_end": "09:00"}, "window_equal", {}),
        ]
        for change, key, values in cases:
            message, _ = await messages(h.client, *post, json={**SCHEDULE, **change})
            assert message == turkish(key, **values), change

        created = await h.client.post("/api/schedules", json=SCHEDULE)
        assert created.status_code == 201, created.text
        schedule_id = created.json()["id"]
        message, english = await messages(
            h.client, "POST", f"/api/schedules/{schedule_id}/resume", 409
        )
        assert english == f"schedule {schedule_id} is active, not paused"
        assert message == turkish("schedule_not_paused", id=schedule_id, schedule_state="etkin")

        paused = await h.client.post(f"/api/schedules/{schedule_id}/pause")
        assert paused.status_code == 200, paused.text
        message, _ = await messages(h.client, "POST", f"/api/schedules/{schedule_id}/pause", 409)
        assert message == turkish(
            "schedule_not_active", id=schedule_id, schedule_state="duraklatıldı"
        )


@pytest.mark.anyio
async def test_schedule_errors_of_the_panel_form_are_turkish(settings: Settings) -> None:
    """The daily count and the times reach the store unchecked from the form (the API's
    schema refuses them first); pause twice from the page."""
    async with panel(settings) as p:
        await p.browser.get("/?lang=tr")
        form = {
            "template": "daily_offer",
            "language": "tr",
            "daily_count": "10",
            "time_of_day": "10:00",
            "time_zone": "Europe/Istanbul",
            "csrf_token": p.csrf,
        }
        cases: list[tuple[dict[str, str], str]] = [
            (
                {"daily_count": "0"},
                turkish("daily_count_range", max=f"{MAX_DAILY_COUNT:,}", got="0"),
            ),
            (
                {"time_of_day": "25:00"},
                turkish("time_format", time=TR("api_error.time.time_of_day"), value="'25:00'"),
            ),
            (
                {"window_start": "9am", "window_end": "20:00"},
                turkish("time_format", time=TR("api_error.time.window_start"), value="'9am'"),
            ),
            ({"window_end": "20:00"}, turkish("window_half")),
        ]
        for change, message in cases:
            answer = await p.browser.post("/schedules", data={**form, **change})
            assert answer.status_code == 400, change
            assert str(escape(message)) in answer.text, (change, answer.text[-2000:])

        created = await p.browser.post("/schedules", data=form)
        assert created.status_code == 303, created.text
        with p.database.session() as session:
            (schedule,) = store.list_schedules(session)
            schedule_id = schedule.id
        for status in (303, 409):
            answer = await p.browser.post(
                f"/schedules/{schedule_id}/pause", data={"csrf_token": p.csrf}
            )
            assert answer.status_code == status
        expected = turkish("schedule_not_active", id=schedule_id, schedule_state="duraklatıldı")
        assert str(escape(expected)) in answer.text
        assert "not active" not in answer.text


@pytest.mark.anyio
async def test_schedule_errors_without_an_http_route_are_turkish_too(settings: Settings) -> None:
    """An empty template or language and an unknown id are refused by the panel and the
    API's schema before the store sees them; the store's own sentence is translated too."""
    async with running_app(app_settings(settings)) as h:
        now = h.app.state.clock.now()
        cases: list[tuple[dict[str, str], str]] = [
            ({"template_name": " "}, turkish("template_name_empty")),
            ({"language": ""}, turkish("language_empty")),
        ]
        for change, expected in cases:
            data = store.ScheduleInput(**{**SCHEDULE, **change})  # type: ignore[arg-type]
            with h.database.session() as session, pytest.raises(ScheduleError) as refused:
                store.create_schedule(session, data, now=now)
            assert api_error_text(str(refused.value), TR) == expected
        with h.database.session() as session, pytest.raises(ScheduleError) as refused:
            store.pause_schedule(session, 77, now=now)
        assert str(refused.value) == "no schedule with id 77"
        assert api_error_text(str(refused.value), TR) == turkish("no_schedule", id="77")


@pytest.mark.anyio
async def test_campaign_state_changes_are_refused_in_turkish(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        completed = add_campaign(h.database, state="completed")
        message, english = await messages(
            h.client, "POST", f"/api/campaigns/{completed}/pause", 409
        )
        assert english == f"campaign {completed} is completed; it cannot change"
        assert message == turkish("campaign_final", id=completed, state="tamamlandı")

        paused = add_campaign(h.database, state="paused")
        message, _ = await messages(h.client, "POST", f"/api/campaigns/{paused}/pause", 409)
        cannot = TR("api_error.cannot.paused")
        assert message == turkish("campaign_move", id=paused, state="duraklatıldı", cannot=cannot)

        running = add_campaign(h.database, state="running")
        being_sent(h.database, running)
        message, _ = await messages(h.client, "POST", f"/api/campaigns/{running}/resume", 409)
        cannot = TR("api_error.cannot.running")
        assert message == turkish("campaign_move", id=running, state="gönderiliyor", cannot=cannot)


@pytest.mark.anyio
async def test_the_campaign_page_refuses_a_state_change_in_turkish(settings: Settings) -> None:
    async with panel(settings) as p:
        await p.browser.get("/?lang=tr")
        campaign_id = add_campaign(p.database, state="cancelled")
        answer = await p.browser.post(
            f"/campaigns/{campaign_id}/pause", data={"csrf_token": p.csrf}
        )
        assert answer.status_code == 409
        expected = turkish("campaign_final", id=campaign_id, state="iptal edildi")
        assert str(escape(expected)) in answer.text
        assert "it cannot change" not in answer.text


@pytest.mark.anyio
async def test_nothing_to_retry_is_said_in_turkish(settings: Settings) -> None:
    retryable = failure_reason(130429)
    final = failure_reason(131026)
    async with running_app(app_settings(settings)) as h:

        async def retry(campaign_id: int) -> str:
            path = f"/api/campaigns/{campaign_id}/retry-failed"
            message, _ = await messages(h.client, "POST", path, 409)
            return message

        campaign_id = add_campaign(h.database, state="completed")
        assert await retry(campaign_id) == turkish("retry_no_failures", id=campaign_id)

        campaign_id = add_campaign(h.database, state="completed", failures={final: 2})
        assert await retry(campaign_id) == turkish(
            "retry_not_retryable", id=campaign_id, failures=f"{final}: 2"
        )

        campaign_id = add_campaign(h.database, state="aborted", failures={retryable: 3})
        assert await retry(campaign_id) == turkish("retry_nothing_left", id=campaign_id)

        campaign_id = add_campaign(h.database, state="running")
        being_sent(h.database, campaign_id)
        assert await retry(campaign_id) == turkish("retry_running", id=campaign_id)


@pytest.mark.anyio
async def test_why_sending_is_unavailable_is_turkish(settings: Settings) -> None:
    """Live mode without an access token: campaigns and the template sync are refused with a
    503 whose reason is translated too, and the send form says the same in Turkish."""
    async with running_app(app_settings(settings, **NO_TOKEN)) as h:
        reason = TR("api_error.unavailable.no_token")
        body = {"template_name": "daily_offer", "language": "tr", "limit": 5}
        message, english = await messages(h.client, "POST", "/api/campaigns", 503, json=body)
        assert english == (
            "sending is unavailable: WHATSAPP_ACCESS_TOKEN is not set, so the Graph API "
            "cannot be used"
        )
        assert message == turkish("sending_unavailable", reason=reason)
        message, _ = await messages(h.client, "POST", "/api/templates/sync", 503)
        assert message == turkish("sync_unavailable", reason=reason)

        csrf = await browser_login(h.anon)
        await h.anon.get("/?lang=tr")
        form = {"template": "daily_offer", "language": "tr", "limit": "5", "csrf_token": csrf}
        answer = await h.anon.post("/send", data=form)
        assert answer.status_code == 503
        assert str(escape(TR("send.disabled", reason=reason))) in answer.text
        assert "WHATSAPP_ACCESS_TOKEN is not set" not in answer.text


@pytest.mark.anyio
async def test_a_server_still_starting_says_so_in_turkish(settings: Settings) -> None:
    """Before the lifespan has made the Cloud API client (no lifespan runs here)."""
    database = Database(settings.database_url)
    app = create_app(app_settings(settings), database=database)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://panel.test", headers=headers
        ) as client:
            body = {"template_name": "daily_offer", "language": "tr", "limit": 5}
            message, _ = await messages(client, "POST", "/api/campaigns", 503, json=body)
            reason = TR("api_error.unavailable.starting")
            assert message == turkish("sending_unavailable", reason=reason)
    finally:
        database.dispose()


@pytest.mark.anyio
async def test_a_refused_template_sync_is_explained_in_turkish(settings: Settings) -> None:
    wrong_token = app_settings(settings, whatsapp_access_token=SecretStr("not-the-sandbox"))
    async with running_app(wrong_token) as h:
        message, english = await messages(h.client, "POST", "/api/templates/sync", 502)
        assert english.startswith("the Cloud API refused the access token (error 190)")
        assert message == turkish("sync_token_refused", code="190")

        csrf = await browser_login(h.anon)
        await h.anon.get("/?lang=tr")
        page = await h.anon.post("/templates/sync", data={"csrf_token": csrf})
        assert page.status_code == 502
        shown = TR("templates.sync_failed", error=turkish("sync_token_refused", code="190"))
        assert str(escape(shown)) in page.text

    async with running_app(app_settings(settings, waba_id="999999999999999")) as h:
        message, english = await messages(h.client, "POST", "/api/templates/sync", 502)
        detail = english.rpartition("check WABA_ID (")[2].removesuffix(")")
        assert message == turkish("sync_waba_unknown", waba="999999999999999", message=detail)


@pytest.mark.anyio
async def test_english_callers_get_the_sentences_unchanged(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        completed = add_campaign(h.database, state="completed")
        created = await h.client.post("/api/schedules", json=SCHEDULE)
        schedule_id = created.json()["id"]
        cases: list[tuple[str, dict[str, Any] | None, str]] = [
            (
                "/api/schedules",
                {**SCHEDULE, "time_zone": "Mars/Base"},
                "unknown time zone 'Mars/Base'; use an IANA name such as Europe/Istanbul",
            ),
            (
                "/api/schedules",
                {**SCHEDULE, "window_start": "09:00"},
                "a sending window needs both a start and an end",
            ),
            (
                f"/api/schedules/{schedule_id}/resume",
                None,
                f"schedule {schedule_id} is active, not paused",
            ),
            (
                f"/api/campaigns/{completed}/cancel",
                None,
                f"campaign {completed} is completed; it cannot change",
            ),
            (
                f"/api/campaigns/{completed}/retry-failed",
                None,
                f"campaign {completed} has no send that failed for a retryable reason "
                "(failures: none)",
            ),
        ]
        for path, body, sentence in cases:
            for headers in (None, {"Accept-Language": "en"}, {"Accept-Language": "en-US,tr;q=0.5"}):
                answer = await h.client.post(path, json=body, headers=headers)
                assert answer.status_code >= 400, answer.text
                assert answer.json()["error"]["message"] == sentence


@pytest.mark.anyio
async def test_an_unreadable_contact_file_is_explained_in_turkish(settings: Settings) -> None:
    """POST /api/contacts: the import's own sentence, with the panel's words for the advice
    (no CLI option); the file name the caller gave is kept."""
    cases: list[tuple[tuple[str, bytes], dict[str, str], str]] = [
        (("c.csv", b""), {}, TR("import_error.csv_empty", file="c.csv")),
        (
            ("c.csv", b"phone\n+905551112233\n"),
            {"encoding": "nope"},
            TR("import_error.unknown_encoding", encoding="'nope'"),
        ),
        (
            ("c.csv", b"foo,bar\n1,2\n"),
            {},
            TR("import_error.csv_no_phone_column", file="c.csv", header="foo, bar"),
        ),
    ]
    async with running_app(app_settings(settings)) as h:
        for file, data, expected in cases:
            message, english = await messages(
                h.client, "POST", "/api/contacts", 400, files={"file": file}, data=data
            )
            assert message == expected, english
            assert "--" not in message


@pytest.mark.anyio
async def test_a_template_sync_failing_otherwise_is_turkish(settings: Settings) -> None:
    """The Graph API answers the listing with an error that is neither the token nor the
    WABA id (a fake Graph API: the simulator does not fail listings)."""

    def graph(request: httpx.Request) -> httpx.Response:
        error = {"message": "An unexpected error has occurred.", "type": "OAuthException"}
        return httpx.Response(500, json={"error": {**error, "code": 2, "fbtrace_id": "Ab1"}})

    database = Database(settings.database_url)
    cloud_http = httpx.AsyncClient(transport=httpx.MockTransport(graph))
    app = create_app(app_settings(settings), database=database, cloud_http=cloud_http)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=transport, base_url="http://panel.test", headers=headers
            ) as client,
        ):
            message, english = await messages(client, "POST", "/api/templates/sync", 502)
            assert english.startswith("template sync failed: ")
            error = english.removeprefix("template sync failed: ")
            assert message == turkish("sync_failed", error=error)
    finally:
        await cloud_http.aclose()
        database.dispose()
