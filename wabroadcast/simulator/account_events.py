"""Account webhooks the simulator can send: throughput upgrade, messaging limit change,
template recategorisation (impending and completed).

Meta sends these on its own schedule; here a person or a test asks for one (``wabroadcast
simulator-event``, or :func:`throughput_upgrade` and friends with an emitter). Each call also
changes the simulated number the way the event says, so the Graph API reads that follow agree
with the webhook (throughput level HIGH and 1,000 msg/s after an upgrade; the new tier; the
template's new category). Shapes are those of Meta's webhook reference, checked key by key
against tests/fixtures/webhooks.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from wabroadcast.simulator.state import Simulator
from wabroadcast.simulator.templates import SimTemplate

HIGH_RATE = 1000.0
LIMIT_TIERS = {250: "TIER_250", 2000: "TIER_2K", 10000: "TIER_10K", 100000: "TIER_100K"}
"""Messaging limits since 2025-10-07; -1 is TIER_UNLIMITED."""
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")


def _envelope(waba_id: str, time: int, field: str, value: dict[str, Any]) -> dict[str, Any]:
    change = {"value": value, "field": field}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "time": time, "changes": [change]}],
    }


def tier_of(limit: int) -> str:
    if limit == -1:
        return "TIER_UNLIMITED"
    if limit not in LIMIT_TIERS:
        known = ", ".join(str(n) for n in LIMIT_TIERS)
        raise ValueError(f"messaging limit {limit} is not one of Meta's: {known} or -1 (unlimited)")
    return LIMIT_TIERS[limit]


def throughput_upgrade(simulator: Simulator, time: int) -> dict[str, Any]:
    """``phone_number_quality_update`` / ``THROUGHPUT_UPGRADE``; the number then takes
    1,000 msg/s. Meta upgrades only numbers of unlimited portfolios: the tier says so."""
    config = simulator.config
    simulator.reconfigure(
        throughput_level="HIGH", rate=HIGH_RATE, messaging_limit_tier="TIER_UNLIMITED"
    )
    value = {
        "display_phone_number": config.display_phone_number,
        "event": "THROUGHPUT_UPGRADE",
        "max_daily_conversations_per_business": "TIER_UNLIMITED",
    }
    return _envelope(config.waba_id, time, "phone_number_quality_update", value)


def limit_change(simulator: Simulator, limit: int, time: int) -> dict[str, Any]:
    """``business_capability_update`` with the portfolio's new messaging limit (-1 unlimited);
    ``max_phone_numbers_per_waba`` rides along as in Meta's example."""
    tier = tier_of(limit)
    config = simulator.config
    simulator.reconfigure(messaging_limit_tier=tier)
    value = {"max_daily_conversations_per_business": limit, "max_phone_numbers_per_waba": 25}
    return _envelope(config.waba_id, time, "business_capability_update", value)


def _template(simulator: Simulator, name: str, language: str) -> SimTemplate:
    template = simulator.templates.find(name, language)
    if template is None:
        raise ValueError(f"the simulator has no template {name!r} in {language!r}")
    return template


def _category(category: str) -> str:
    upper = category.upper()
    if upper not in CATEGORIES:
        raise ValueError(f"category {category!r} is not one of {', '.join(CATEGORIES)}")
    return upper


def category_impending(
    simulator: Simulator, name: str, language: str, category: str, time: int, effective: int
) -> dict[str, Any]:
    """``template_category_update``, impending: Meta will move the template to `category` at
    `effective` (Unix seconds); the template keeps its category until then."""
    template = _template(simulator, name, language)
    value = {
        "message_template_id": int(template.id),
        "message_template_name": template.name,
        "message_template_language": template.language,
        "correct_category": _category(category),
        "new_category": template.category,
        "category_update_timestamp": effective,
    }
    return _envelope(simulator.config.waba_id, time, "template_category_update", value)


def category_changed(
    simulator: Simulator, name: str, language: str, category: str, time: int
) -> dict[str, Any]:
    """``template_category_update``, completed: the template is `category` from now on."""
    template = _template(simulator, name, language)
    new = _category(category)
    store = simulator.templates.templates
    store[store.index(template)] = dataclasses.replace(template, category=new)
    value = {
        "message_template_id": int(template.id),
        "message_template_name": template.name,
        "message_template_language": template.language,
        "previous_category": template.category,
        "new_category": new,
    }
    return _envelope(simulator.config.waba_id, time, "template_category_update", value)


EVENTS = ("throughput_upgrade", "limit_change", "category_impending", "category_changed")
CONTROL_PATH = "/_simulator/account_events"
"""POST here (JSON ``{"event": …}``) to make a running simulator send an account webhook."""


def build_event(simulator: Simulator, request: dict[str, Any]) -> dict[str, Any]:
    """The webhook body for a control request; ValueError names what is wrong with it."""
    event = request.get("event")
    time = int(simulator.clock.now().timestamp())
    if event == "throughput_upgrade":
        return throughput_upgrade(simulator, time)
    if event == "limit_change":
        limit = request.get("limit")
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise ValueError("limit_change needs an integer limit (250, 2000, 10000, 100000, -1)")
        return limit_change(simulator, limit, time)
    if event in ("category_impending", "category_changed"):
        name, language = request.get("template"), request.get("language")
        category = request.get("category")
        if not all(isinstance(v, str) and v for v in (name, language, category)):
            raise ValueError(f"{event} needs template, language and category")
        assert isinstance(name, str) and isinstance(language, str) and isinstance(category, str)
        if event == "category_changed":
            return category_changed(simulator, name, language, category, time)
        effective = request.get("effective")
        when = effective if isinstance(effective, int) else time + 86400
        return category_impending(simulator, name, language, category, time, when)
    raise ValueError(f"event must be one of {', '.join(EVENTS)}, not {event!r}")
