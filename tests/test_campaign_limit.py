"""One campaign limit for the panel, the API and the CLI: the same bound, refused the same way
(the manager's sentence, or the panel's translation of it), before any campaign exists."""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import select
from typer.testing import CliRunner

from tests.engine.helpers import add_contacts as add_engine_contacts
from tests.web.api.harness import add_contacts
from tests.web.views.helpers import add_templates, panel
from wabroadcast.cli.main import app
from wabroadcast.config import Settings
from wabroadcast.engine.manager import MAX_CAMPAIGN_LIMIT, limit_problem
from wabroadcast.schedules.store import MAX_DAILY_COUNT
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign

OVER = MAX_CAMPAIGN_LIMIT + 1
SENTENCE = f"the limit must be from 1 to {MAX_CAMPAIGN_LIMIT:,}, got {OVER}"


def campaigns(database: Database) -> list[int]:
    with database.session() as session:
        return list(session.scalars(select(Campaign.requested_limit).order_by(Campaign.id)))


def test_the_sentence_names_the_bound_and_the_value() -> None:
    assert limit_problem(OVER) == SENTENCE
    assert limit_problem(0) is not None
    assert limit_problem(MAX_CAMPAIGN_LIMIT) is None
    assert MAX_DAILY_COUNT == MAX_CAMPAIGN_LIMIT  # a schedule's day is a campaign


@pytest.mark.anyio
async def test_panel_and_api_refuse_one_more_than_the_bound_and_take_the_bound(
    settings: Settings,
) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        add_contacts(p.database, 2)
        page = await p.browser.get("/send")
        assert f'max="{MAX_CAMPAIGN_LIMIT}"' in page.text

        form = {"template": "daily_offer", "language": "tr", "csrf_token": p.csrf}
        answer = await p.browser.post("/send", data={**form, "limit": str(OVER)})
        assert answer.status_code == 400
        assert str(escape(f"from 1 to {MAX_CAMPAIGN_LIMIT:,}")) in answer.text

        for path, body in (
            ("/api/campaigns", {"template_name": "daily_offer", "language": "tr"}),
            ("/api/send", {"template_name": "daily_offer", "language_code": "tr"}),
        ):
            answer = await p.h.client.post(path, json={**body, "limit": OVER})
            assert answer.status_code == 422, (path, answer.text)
            error = answer.json()["error"]
            assert (error["field"], error["message"]) == ("limit", f"limit: {SENTENCE}"), path
        assert campaigns(p.database) == []

        answer = await p.browser.post("/send", data={**form, "limit": str(MAX_CAMPAIGN_LIMIT)})
        assert answer.status_code == 303, answer.text
        await p.h.campaign_done(int(answer.headers["location"].rsplit("/", 1)[1]))
        answer = await p.h.client.post(
            "/api/campaigns",
            json={"template_name": "hello_world", "language": "en_US", "limit": MAX_CAMPAIGN_LIMIT},
        )
        assert answer.status_code in (200, 201, 202), answer.text
        await p.h.campaign_done(answer.json()["id"])
        assert campaigns(p.database) == [MAX_CAMPAIGN_LIMIT, MAX_CAMPAIGN_LIMIT]


def test_cli_refuses_one_more_than_the_bound_dry_run_too(database: Database) -> None:
    add_engine_contacts(database, 2)
    env = {"DATABASE_URL": database.url, "WHATSAPP_ACCESS_TOKEN": None, "GRAPH_API_URL": None}
    for extra in ([], ["--dry-run"]):
        result = CliRunner().invoke(
            app,
            ["--env-file", "/nonexistent/.env", "send", "-t", "daily_offer", "-l", "tr"]
            + ["-n", str(OVER), *extra],
            env=env,
            obj={},
        )
        assert result.exit_code == 2, result.output
        assert SENTENCE in " ".join(result.output.replace("│", " ").split()), result.output
    assert campaigns(database) == []
    result = CliRunner().invoke(
        app,
        ["--env-file", "/nonexistent/.env", "send", "-t", "daily_offer", "-l", "tr"]
        + ["-n", str(MAX_CAMPAIGN_LIMIT)],
        env={**env, "DAILY_RECIPIENT_LIMIT": "100"},
        obj={},
    )
    assert result.exit_code == 0, result.output
    assert campaigns(database) == [MAX_CAMPAIGN_LIMIT]
