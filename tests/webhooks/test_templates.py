from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.webhooks.conftest import Hook
from wabroadcast.storage.tables import Template

pytestmark = pytest.mark.anyio


async def test_template_status_update_sets_the_synced_row(hook: Hook) -> None:
    synced = datetime(2025, 12, 1, tzinfo=UTC)
    with hook.database.session() as session:
        for language in ("pt_BR", "en_US"):
            session.add(
                Template(
                    name="spring_sale",
                    language=language,
                    status="APPROVED",
                    components=[],
                    synced_at=synced,
                )
            )
    await hook.post_fixture("template_status_paused")
    with hook.database.session() as session:
        rows = dict(session.execute(select(Template.language, Template.status)).all())
    assert rows == {"pt_BR": "PAUSED", "en_US": "APPROVED"}


async def test_template_status_update_for_an_unknown_template_is_only_logged(hook: Hook) -> None:
    await hook.post_fixture("template_status_paused")
    assert hook.raw_count() == 1
    with hook.database.session() as session:
        assert session.scalars(select(Template)).all() == []
