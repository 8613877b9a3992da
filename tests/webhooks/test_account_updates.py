"""Account webhooks through the real receiver: throughput, messaging limit, template category.

Later webhook time (``entry[].time``) wins; a duplicate or an older event changes nothing; a
forged body is refused before anything is stored.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from tests.webhooks.conftest import Hook, load_fixture
from wabroadcast.storage import number_limits
from wabroadcast.storage.tables import BusinessNumberLimit, Template, WebhookEvent
from wabroadcast.storage.templates import category_of
from wabroadcast.webhooks.parse import parse_payload

pytestmark = pytest.mark.anyio


def at_time(name: str, time: int, **value: Any) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture(name))
    payload["entry"][0]["time"] = time
    payload["entry"][0]["changes"][0]["value"].update(value)
    return payload


def rows(hook: Hook) -> dict[str, BusinessNumberLimit]:
    with hook.database.session() as session:
        found = session.scalars(select(BusinessNumberLimit)).all()
        session.expunge_all()
    return {row.number: row for row in found}


async def test_a_throughput_upgrade_is_stored_for_its_display_number(hook: Hook) -> None:
    await hook.post_fixture("phone_quality_throughput_upgrade")
    stored = rows(hook)
    assert set(stored) == {"15550783881", number_limits.PORTFOLIO}
    number = stored["15550783881"]
    assert number.throughput_level == "HIGH"
    assert number.quality_event == "THROUGHPUT_UPGRADE"
    assert number.throughput_at == datetime.fromtimestamp(1765810800, UTC)
    assert number.phone_number_id is None
    assert stored[number_limits.PORTFOLIO].daily_limit == -1  # TIER_UNLIMITED


async def test_later_limit_wins_and_older_or_repeated_ones_change_nothing(hook: Hook) -> None:
    await hook.post_fixture("phone_quality_limit_upgrade")  # TIER_10K at 1765810800
    assert rows(hook)[number_limits.PORTFOLIO].daily_limit == 10000
    await hook.post_fixture("business_capability_update")  # 2000, but older (1739321024)
    await hook.post_fixture("phone_quality_limit_upgrade")  # a redelivery
    assert rows(hook)[number_limits.PORTFOLIO].daily_limit == 10000
    newer = at_time(
        "business_capability_update", 1765810801, max_daily_conversations_per_business=250
    )
    await hook.post(newer)
    portfolio = rows(hook)[number_limits.PORTFOLIO]
    assert portfolio.daily_limit == 250
    assert portfolio.daily_limit_at == datetime.fromtimestamp(1765810801, UTC)
    assert hook.raw_count() == 4


async def test_unknown_keys_are_tolerated_and_a_bad_change_is_named(hook: Hook) -> None:
    extra = at_time("phone_quality_throughput_upgrade", 1765810800, new_field={"x": 1})
    await hook.post(extra)
    assert rows(hook)["15550783881"].throughput_level == "HIGH"
    broken = at_time("phone_quality_limit_upgrade", 1765810900)
    del broken["entry"][0]["changes"][0]["value"]["display_phone_number"]
    await hook.post(broken)
    with hook.database.session() as session:
        errors = [event.error for event in session.scalars(select(WebhookEvent))]
    assert errors[0] is None
    assert errors[1] is not None
    assert "phone_number_quality_update: display_phone_number is missing" in errors[1]
    assert rows(hook)[number_limits.PORTFOLIO].daily_limit == -1  # the broken one applied nothing


async def test_a_forged_limit_webhook_is_refused_and_stores_nothing(hook: Hook) -> None:
    response = await hook.post(load_fixture("business_capability_update"), secret="forged-secret")
    assert response.status_code == 403
    assert hook.raw_count() == 0
    assert rows(hook) == {}


def add_template(hook: Hook, category: str) -> None:
    with hook.database.session() as session:
        session.add(
            Template(
                name="order_update",
                language="en_US",
                status="APPROVED",
                category=category,
                components=[],
                synced_at=datetime(2025, 12, 1, tzinfo=UTC),
            )
        )


async def test_a_completed_recategorisation_changes_the_templates_category(hook: Hook) -> None:
    add_template(hook, "UTILITY")
    await hook.post_fixture("template_category_impending")
    with hook.database.session() as session:
        assert category_of(session, "order_update") == "UTILITY"  # only announced
        note = number_limits.category_updates(session)[("order_update", "en_US")]
        assert note.correct_category == "MARKETING"
        assert note.takes_effect_at == datetime.fromtimestamp(1766070000, UTC)
    await hook.post_fixture("template_category_completed")
    with hook.database.session() as session:
        assert category_of(session, "order_update") == "MARKETING"
        note = number_limits.category_updates(session)[("order_update", "en_US")]
        assert (note.previous_category, note.new_category) == ("UTILITY", "MARKETING")
        assert note.correct_category is None  # the announced change happened


async def test_an_older_category_change_does_not_undo_a_newer_one(hook: Hook) -> None:
    add_template(hook, "UTILITY")
    await hook.post_fixture("template_category_completed")  # → MARKETING at 1766070000
    older = at_time(
        "template_category_completed",
        1766000000,
        previous_category="MARKETING",
        new_category="UTILITY",
    )
    await hook.post(older)
    await hook.post(older)
    with hook.database.session() as session:
        assert category_of(session, "order_update") == "MARKETING"


async def test_a_category_that_is_no_category_is_a_problem_not_a_change(hook: Hook) -> None:
    add_template(hook, "UTILITY")
    await hook.post(at_time("template_category_completed", 1766070000, new_category="PROMO"))
    with hook.database.session() as session:
        assert category_of(session, "order_update") == "UTILITY"
        event = session.scalars(select(WebhookEvent)).one()
    assert event.error is not None and "new_category 'PROMO'" in event.error


NAMED = {"message_template_name": "a"}
CAPABILITY = "business_capability_update"
LIMIT = "max_daily_conversations_per_business"


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("phone_number_quality_update", {"display_phone_number": "1555", "event": {}}, "event"),
        ("phone_number_quality_update", {"display_phone_number": [], "event": "UP"}, "display"),
        ("template_category_update", {"message_template_name": "x\ud800"}, "message_template"),
        (
            "template_category_update",
            {"message_template_name": "a", "message_template_language": "en"},
            "neither",
        ),
    ],
)
def test_odd_values_become_problems_not_errors(field: str, value: object, problem: str) -> None:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "time": 1765810800, "changes": [{"field": field, "value": value}]}],
    }
    parsed = parse_payload(payload, datetime(2026, 1, 1, tzinfo=UTC))
    assert parsed.account_updates == []
    assert len(parsed.problems) == 1 and problem in parsed.problems[0]


def test_a_capability_update_without_a_limit_and_odd_limits_are_ignored() -> None:
    for value in (
        {"max_phone_numbers_per_waba": 25},
        {"max_daily_conversations_per_business": True},
        {"max_daily_conversations_per_business": -7},
    ):
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": "1", "changes": [{"field": "business_capability_update", "value": value}]}
            ],
        }
        parsed = parse_payload(payload, datetime(2026, 1, 1, tzinfo=UTC))
        assert (parsed.account_updates, parsed.problems, parsed.unhandled_fields) == ([], [], [])
