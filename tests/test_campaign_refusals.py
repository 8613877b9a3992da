"""A campaign that cannot be sent is refused before its row exists, the same way everywhere.

Four wrong inputs — a template name the account does not have, a language the template does
not exist in, a template whose variables get no value, a business number that is not
configured — each refused by the CLI (`send` exits non-zero), the API (`POST /api/campaigns`
and the original `POST /api/send`: 422) and the panel's send form (400), with one sentence
naming what is wrong and what exists; no campaign row is left behind. The templates table
starts empty, so every refusal also goes through the campaign manager's template sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from markupsafe import escape
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.engine.helpers import add_contacts as add_engine_contacts
from tests.engine.helpers import served, sim_config
from tests.web.api.harness import add_contacts
from tests.web.views.helpers import panel
from wabroadcast.cli.main import app
from wabroadcast.config import Settings
from wabroadcast.simulator import SANDBOX_ACCESS_TOKEN, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign

NUMBERS = "106540352242922:500,106540352242999:500"
"""PHONE_NUMBERS for every place: the simulator's number and a second one of the account."""
KNOWN_NUMBERS = "106540352242922, 106540352242999"


@dataclass(frozen=True)
class Wrong:
    """One wrong input and the sentence (parts) every place must answer it with."""

    template: str
    language: str
    field: str
    wrong: str
    exists: str
    phone_number_id: str | None = None


WRONG = {
    "template": Wrong(
        "dayli_offer",
        "tr",
        "template_name",
        "template 'dayli_offer' does not exist",
        "the account has: daily_offer, hello_world, ",
    ),
    "language": Wrong(
        "daily_offer",
        "de",
        "language",
        "template 'daily_offer' does not exist in language 'de'",
        "it exists in: en_US, tr",
    ),
    "parameters": Wrong(
        "spring_sale",
        "pt_BR",
        "parameters",
        "parameters do not fit template 'spring_sale' (pt_BR)",
        "body needs {{1}} but no value is given",
    ),
    "number": Wrong(
        "daily_offer",
        "tr",
        "phone_number_id",
        "phone number id 123 is not configured",
        f"PHONE_NUMBERS list: {KNOWN_NUMBERS}",
        phone_number_id="123",
    ),
}


def campaign_count(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(Campaign)) or 0)


def words(text: str) -> str:
    """Rich wraps long lines and draws boxes; compare the words."""
    return " ".join(text.replace("│", " ").split())


@pytest.fixture
def graph_url() -> Iterator[str]:
    with served(create_simulator(sim_config())) as url:
        yield url


@pytest.mark.parametrize("case", list(WRONG))
def test_the_cli_refuses_before_a_campaign_exists(
    database: Database, graph_url: str, case: str
) -> None:
    wrong = WRONG[case]
    add_engine_contacts(database, 3)
    env = {
        "DATABASE_URL": database.url,
        "GRAPH_API_URL": graph_url,
        "WHATSAPP_ACCESS_TOKEN": SANDBOX_ACCESS_TOKEN,
        "PHONE_NUMBERS": NUMBERS,
    }
    number = ["--phone-number-id", wrong.phone_number_id] if wrong.phone_number_id else []
    for command in (["send"], ["campaign", "create"]):
        result = CliRunner().invoke(
            app,
            ["--env-file", "/nonexistent/.env", *command, "-t", wrong.template]
            + ["-l", wrong.language, "-n", "3", *number],
            env=env,
            obj={},
        )
        output = words(result.output)
        assert result.exit_code == 1, (command, result.output)
        assert wrong.wrong in output and wrong.exists in output, (command, result.output)
        assert "Traceback" not in result.output
    assert campaign_count(database) == 0


@pytest.mark.anyio
@pytest.mark.parametrize("case", list(WRONG))
async def test_the_api_and_the_panel_refuse_before_a_campaign_exists(
    settings: Settings, case: str
) -> None:
    wrong = WRONG[case]
    async with panel(settings.model_copy(update={"phone_numbers": NUMBERS})) as p:
        add_contacts(p.database, 3)
        body = {"template_name": wrong.template, "language": wrong.language, "limit": 3}
        if wrong.phone_number_id:
            body["phone_number_id"] = wrong.phone_number_id
        answer = await p.h.client.post("/api/campaigns", json=body)
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["field"] == wrong.field, error
        assert wrong.wrong in error["message"] and wrong.exists in error["message"], error

        if wrong.phone_number_id is None:  # /api/send has no number: the original had none
            original = await p.h.client.post(
                "/api/send",
                json={"template_name": wrong.template, "language_code": wrong.language, "limit": 3},
            )
            assert original.status_code == 422, original.text
            message = original.json()["error"]["message"]
            assert wrong.wrong in message and wrong.exists in message, message

            # The panel's form sends from PHONE_NUMBER_ID; the other three reach the manager.
            form = await p.browser.post(
                "/send",
                data={
                    "template": wrong.template,
                    "language": wrong.language,
                    "limit": "3",
                    "csrf_token": p.csrf,
                },
            )
            assert form.status_code == 400, form.text[-2000:]
            assert 'data-testid="send-error"' in form.text
            for part in (wrong.wrong, wrong.exists):
                assert str(escape(part)) in form.text, (part, form.text[-2000:])

        assert campaign_count(p.database) == 0
        assert (await p.h.client.get("/api/campaigns")).json()["total"] == 0
        assert p.h.simulator.accepted == []
