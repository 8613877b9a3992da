"""The Schedules page, the templates page's "Sync templates" button and the campaign page's
"Retry failed" button: CSRF-protected forms on the real app, in English and Turkish."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.schedules.releases import run_released
from tests.web.api.harness import ManualClock, add_contacts, app_settings, simulator_config
from tests.web.views.helpers import add_templates, panel
from wabroadcast.config import Settings
from wabroadcast.schedules.planner import claim_due_days
from wabroadcast.storage.tables import Campaign, Schedule, Template

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FORM = {
    "template": "daily_offer",
    "language": "tr",
    "daily_count": "3",
    "time_of_day": "10:00",
    "time_zone": "Europe/Istanbul",
    "window_start": "09:00",
    "window_end": "20:00",
    "parameters": "",
}


def cell(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', html)
    assert match is not None, testid
    return match.group(1)


@pytest.mark.anyio
async def test_create_pause_resume_delete_from_the_page(settings: Settings) -> None:
    async with panel(settings, clock=ManualClock(NOW)) as p:
        add_templates(p.database)
        add_contacts(p.database, 10)
        empty = await p.browser.get("/schedules")
        assert empty.status_code == 200
        assert '<a href="/schedules" class="active" aria-current="page">Schedules</a>' in empty.text
        assert "No schedules yet." in empty.text

        forged = await p.browser.post("/schedules", data=FORM)  # no CSRF token
        assert forged.status_code == 403
        created = await p.browser.post("/schedules", data={**FORM, "csrf_token": p.csrf})
        assert (
            created.status_code == 303 and created.headers["location"] == "/schedules?done=create"
        )
        page = (await p.browser.get("/schedules?done=create")).text
        with p.database.session() as session:
            schedule = session.scalars(select(Schedule)).one()
            schedule_id = schedule.id
        assert "Schedule created." in page
        assert cell(page, "days-remaining") == "4"  # 10 contacts, 3 a day
        assert cell(page, "finish-on") == "2026-11-29"
        # next run: 10:00 tomorrow in the schedule's own zone, UTC on hover
        assert (
            '<span data-testid="next-run" title="2026-11-26 07:00 UTC">'
            "2026-11-26 10:00 Europe/Istanbul</span>" in page
        )
        assert "09:00–20:00" in page or "09:00-20:00" in page
        assert "created" in page

        paused = await p.browser.post(
            f"/schedules/{schedule_id}/pause", data={"csrf_token": p.csrf}
        )
        assert paused.status_code == 303
        page = (await p.browser.get(paused.headers["location"])).text
        assert cell(page, "schedule-state") == "Paused"
        assert f'data-testid="schedule-{schedule_id}-resume"' in page
        assert f'data-testid="schedule-{schedule_id}-pause"' not in page
        refused = await p.browser.post(
            f"/schedules/{schedule_id}/pause", data={"csrf_token": p.csrf}
        )
        assert refused.status_code == 409 and "not active" in refused.text
        resumed = await p.browser.post(
            f"/schedules/{schedule_id}/resume", data={"csrf_token": p.csrf}
        )
        assert resumed.status_code == 303
        turkish = (await p.browser.get("/schedules?lang=tr")).text
        assert "Günlük zamanlamalar" in turkish and cell(turkish, "schedule-state") == "Etkin"

        deleted = await p.browser.post(
            f"/schedules/{schedule_id}/delete", data={"csrf_token": p.csrf}
        )
        assert deleted.status_code == 303
        with p.database.session() as session:
            assert session.scalars(select(Schedule)).all() == []
        missing = await p.browser.post("/schedules/99/pause", data={"csrf_token": p.csrf})
        assert missing.status_code == 404


@pytest.mark.anyio
async def test_the_language_is_chosen_among_the_templates_languages(settings: Settings) -> None:
    async with panel(settings, clock=ManualClock(NOW)) as p:
        add_templates(p.database)
        page = (await p.browser.get("/schedules")).text
        select_html = page[page.index('<select id="language"') :]
        select_html = select_html[: select_html.index("</select>")]
        options = re.findall(r'<option value="([^"]*)" data-template="([^"]*)"([^>]*)>', page)
        assert ("tr", "daily_offer", "") in options
        assert ("en_US", "daily_offer", "") in options
        assert ("en_US", "hello_world", "") in options
        assert ("en_US", "old_promo", " disabled") in options  # PAUSED: seen, not chosen
        assert "data-template-languages" in select_html
        assert '<script src="/static/languages.js' in page
        script = await p.browser.get("/static/languages.js")
        assert script.status_code == 200 and "data-template-languages" in script.text
        # a language the template does not have is refused, naming it, with the form kept
        wrong = {**FORM, "language": "de", "csrf_token": p.csrf}
        refused = await p.browser.post("/schedules", data=wrong)
        assert refused.status_code == 400
        assert 'data-testid="schedule-error"' in refused.text and "de" in refused.text
        with p.database.session() as session:
            assert session.scalars(select(Schedule)).first() is None


@pytest.mark.anyio
async def test_a_wrong_form_says_what_and_keeps_what_was_typed(settings: Settings) -> None:
    async with panel(settings, clock=ManualClock(NOW)) as p:
        add_templates(p.database)
        cases = [
            ({"time_zone": "Mars/Olympus"}, "unknown time zone &#39;Mars/Olympus&#39;"),
            ({"time_of_day": "7pm"}, "time of day must be HH:MM"),
            ({"daily_count": "many"}, "Contacts per day must be a whole number"),
            ({"daily_count": "99999999999999999999"}, "daily count must be between 1 and"),
            ({"window_end": ""}, "a sending window needs both a start and an end"),
            ({"parameters": "1"}, "a parameter line must look like KEY=FIELD"),
            ({"language": "en_US", "template": "old_promo"}, "template &#39;old_promo&#39; is"),
        ]
        for change, message in cases:
            form = {**FORM, **change, "csrf_token": p.csrf}
            answer = await p.browser.post("/schedules", data=form)
            assert answer.status_code == 400, change
            assert message in cell_error(answer.text), (change, answer.text[:300])
            assert f'value="{form["daily_count"]}"' in answer.text  # typed values stay
        with p.database.session() as session:
            assert session.scalars(select(Schedule)).all() == []


def cell_error(html: str) -> str:
    match = re.search(r'data-testid="schedule-error">([^<]*)<', html)
    assert match is not None
    return match.group(1)


@pytest.mark.anyio
async def test_sync_templates_button_and_its_errors(settings: Settings) -> None:
    async with panel(settings) as p:
        page = (await p.browser.get("/templates")).text
        assert 'action="/templates/sync"' in page and "Sync templates" in page
        assert (await p.browser.post("/templates/sync")).status_code == 403  # no CSRF token
        synced = await p.browser.post("/templates/sync", data={"csrf_token": p.csrf})
        assert synced.status_code == 200
        pairs = p.h.simulator.templates.templates
        names = len({t.name for t in pairs})
        assert f"Synced {names} templates ({len(pairs)} with their languages): " in synced.text
        assert f"{len(pairs)} new" in synced.text
        overview = (await p.browser.get("/")).text
        assert re.search(rf'stat-value">{names}</span><span class="stat-label">Templates', overview)
        assert 'data-testid="templates-table"' in synced.text and "spring_sale" in synced.text
    wrong = simulator_config(access_token="a-different-token-0123456789")
    async with panel(settings, sim=wrong) as p:
        failed = await p.browser.post("/templates/sync?lang=tr", data={"csrf_token": p.csrf})
        assert failed.status_code == 502
        assert "Şablon eşitleme başarısız" in failed.text
        assert "WHATSAPP_ACCESS_TOKEN" in failed.text
        with p.database.session() as session:  # a failed sync marks nothing DELETED
            statuses = set(session.scalars(select(Template.status)))
        assert statuses and "DELETED" not in statuses


@pytest.mark.anyio
async def test_retry_failed_button_starts_the_follow_up(settings: Settings) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        phones = add_contacts(p.database, 5)
        first_id, _ = await run_released(p.database, app_settings(settings), limit=3)
        page = (await p.browser.get(f"/campaigns/{first_id}")).text
        assert cell(page, "action-retry-failed") == "Retry failed (3)"
        answer = await p.browser.post(
            f"/campaigns/{first_id}/retry-failed", data={"csrf_token": p.csrf}
        )
        assert answer.status_code == 303
        follow_up = int(answer.headers["location"].rsplit("/", 1)[1])
        await p.h.campaign_done(follow_up)
        assert sorted(m.to for m in p.h.simulator.accepted) == sorted(phones[:3])
        page = (await p.browser.get(f"/campaigns/{follow_up}")).text
        assert cell(page, "retry-of") == str(first_id)
        assert 'data-field="retry-form" hidden' in page  # nothing of its own to retry
        after = (await p.browser.get(f"/campaigns/{first_id}")).text
        assert 'data-field="retry-form" hidden' in after  # everyone was reached
        again = await p.browser.post(
            f"/campaigns/{first_id}/retry-failed", data={"csrf_token": p.csrf}
        )
        assert again.status_code == 409 and "nothing left to retry" in again.text
        with p.database.session() as session:
            assert session.get(Campaign, follow_up) is not None


@pytest.mark.anyio
async def test_missed_days_are_counted_on_the_page_and_listed_by_the_api(
    settings: Settings,
) -> None:
    async with panel(settings, clock=ManualClock(NOW)) as p:
        add_templates(p.database)
        add_contacts(p.database, 10)
        created = await p.browser.post("/schedules", data={**FORM, "csrf_token": p.csrf})
        assert created.status_code == 303
        # Nothing ran on the 26th and 27th; a process wakes on the 28th at 11:00 Istanbul.
        due = claim_due_days(p.database, datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
        assert [d.run_date.isoformat() for d in due] == ["2026-11-28"]
        page = (await p.browser.get("/schedules")).text
        assert cell(page, "missed") == "2 missed days skipped"
        assert "2026-11-27 skipped: nothing was running at 10:00 Europe/Istanbul" in page
        turkish = (await p.browser.get("/schedules?lang=tr")).text
        assert "2026-11-27 atlandı: 10:00 Europe/Istanbul saatinde çalışan bir süreç" in turkish
        assert "Z oluşturuldu<" in turkish and " skipped: " not in turkish
        await p.browser.get("/schedules?lang=en")
        with p.database.session() as session:
            schedule_id = session.scalars(select(Schedule.id)).one()
        detail = (await p.h.client.get(f"/api/schedules/{schedule_id}")).json()
        assert [(r["run_date"], r["state"]) for r in detail["runs"]] == [
            ("2026-11-26", "skipped"),
            ("2026-11-27", "skipped"),
            ("2026-11-28", "claimed"),
        ]
        assert sum(" skipped: " in line for line in detail["notes"]) == 2
