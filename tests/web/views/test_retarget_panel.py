"""The campaign page's Retarget form: the same retarget the CLI and the API create."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from tests.web.api.harness import ManualClock, add_contacts
from tests.web.api.test_retarget import SOURCE, mark_read, phones_sent, sent_source
from tests.web.views.helpers import add_campaign, add_templates, panel
from wabroadcast.config import Settings


@pytest.mark.anyio
async def test_the_form_refuses_keeping_what_was_typed_then_creates_the_retarget(
    settings: Settings,
) -> None:
    clock = ManualClock()
    async with panel(settings, clock=clock) as p:
        add_templates(p.database)
        phones = add_contacts(p.database, 6)
        source = await sent_source(p.h)
        mark_read(p.database, phones[:2], clock)
        page = await p.browser.get(f"/campaigns/{source}")
        assert 'data-testid="retarget-form"' in page.text
        assert 'value="hello_world:en_US"' in page.text
        assert 'value="daily_offer:' not in page.text  # the campaign's own template
        assert 'value="old_promo:' not in page.text  # paused
        url = f"/campaigns/{source}/retarget"
        form = {"csrf_token": p.csrf, "template": "hello_world:en_US", "when": "not-read"}

        typo = await p.browser.post(url, data={**form, "after_days": "3x", "limit": "2"})
        assert typo.status_code == 422, typo.text
        assert "after_days must be from 1 to 90 days, got 3x" in html.unescape(typo.text)
        assert 'value="3x"' in typo.text and 'name="limit" inputmode="numeric" value="2"' in (
            typo.text
        )

        early = await p.browser.post(url, data={**form, "after_days": "3"})
        assert early.status_code == 409, early.text
        first = (clock.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M UTC")
        assert f"4 will become eligible, the first from {first}" in html.unescape(early.text)

        turkish = await p.browser.post(f"{url}?lang=tr", data={**form, "after_days": "3"})
        assert turkish.status_code == 409
        assert f"4 kişi uygun olacak, ilki {first} itibarıyla" in html.unescape(turkish.text)

        clock.advance(timedelta(days=3, minutes=1))
        made = await p.browser.post(url, data={**form, "after_days": "3"})
        assert made.status_code == 303, made.text
        new_id = int(made.headers["location"].rsplit("/", 1)[1])
        done = await p.h.campaign_done(new_id)
        assert done["accepted"] == 4
        assert done["retarget"] == {"of_campaign_id": source, "when": "not-read", "after_days": 3}
        assert phones_sent(p.database, new_id) == set(phones[2:])
        shown = await p.browser.get(f"/campaigns/{new_id}")
        assert f'data-testid="retarget-of"><a href="/campaigns/{source}">{source}</a>' in (
            shown.text
        )
        assert "okumayanlar · 3 gün sonra" in shown.text  # the page stays Turkish
        english = await p.browser.get(f"/campaigns/{new_id}?lang=en")
        assert "did not read it · after 3 days" in english.text


@pytest.mark.anyio
async def test_a_running_campaign_has_no_form_and_the_same_template_is_refused(
    settings: Settings,
) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        add_contacts(p.database, 3)
        answer = await p.h.client.post("/api/campaigns", json=dict(SOURCE, limit=3))
        done = await p.h.campaign_done(answer.json()["id"])
        same = await p.browser.post(
            f"/campaigns/{done['id']}/retarget?lang=tr",
            data={
                "csrf_token": p.csrf,
                "template": "daily_offer:tr",
                "when": "not-replied",
                "after_days": "1",
            },
        )
        assert same.status_code == 422, same.text
        assert "'daily_offer' şablonunu kampanya" in html.unescape(same.text)
        assert 'value="not-replied" selected' in same.text
        running = add_campaign(p.database)  # stored running
        page = await p.browser.get(f"/campaigns/{running}")
        assert page.status_code == 200
        assert 'data-testid="retarget"' not in page.text
