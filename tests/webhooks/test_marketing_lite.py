"""A Marketing Messages API send's status webhook: its `marketing_lite` pricing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.webhooks.conftest import Hook
from wabroadcast.storage.tables import Send, StatusEvent

pytestmark = pytest.mark.anyio


async def test_marketing_lite_pricing_is_kept_on_the_send_and_its_event(
    hook: Hook, seeded: dict[str, int]
) -> None:
    await hook.post_fixture("status_sent_marketing_lite")
    with hook.database.session() as session:
        send = session.get(Send, seeded["send"])
        assert send is not None
        assert (send.status, send.pricing_category) == ("sent", "marketing_lite")
        event = session.scalars(select(StatusEvent)).one()
        assert (event.send_id, event.pricing_category) == (seeded["send"], "marketing_lite")
