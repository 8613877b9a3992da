"""From one accepted message to the updates Meta would send about it, with their times.

The simulator decides a message's *fate* when it accepts it (delivered, failed with an async
code, or opted out); this module turns the fate into the status webhooks and replies that
follow, drawing everything else — where the message stops (sent, delivered or read), delays,
replies — from a generator seeded per message.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from wabroadcast.simulator.replies import QuickReply, TimedUpdate, opt_out, reply
from wabroadcast.simulator.state import AcceptedMessage, Fate
from wabroadcast.simulator.webhook_config import Delay, WebhookConfig
from wabroadcast.simulator.webhook_payloads import Update, status_update


@dataclass(frozen=True)
class MessageFacts:
    """What the emitter needs to know about one accepted message.

    ``failure_code``, ``opt_out`` and ``final_status`` are the simulator's decision (its
    "fate"); when ``final_status`` is None the emitter draws it from the configured shares.
    """

    message_id: str
    wa_id: str
    language: str
    accepted_at: float
    """Unix seconds when the simulator accepted the message; status timestamps count from it."""
    category: str = "marketing"
    """Pricing category: ``marketing``, ``utility``, ``authentication``; ``service`` for text."""
    callback_data: str | None = None
    failure_code: int | None = None
    opt_out: bool = False
    """The user reads it, answers STOP and stops marketing messages."""
    final_status: str | None = None
    quick_replies: tuple[QuickReply, ...] = ()


def draw(rng: random.Random, delay: Delay) -> float:
    low, high = delay
    return low if low == high else rng.uniform(low, high)


def plan(facts: MessageFacts, config: WebhookConfig, rng: random.Random) -> list[TimedUpdate]:
    """Everything Meta would report about one message, with times after acceptance.

    An async failure is reported as a lone ``failed`` status (no ``sent`` first).
    """
    base = facts.accepted_at
    at = draw(rng, config.sent_delay)
    if facts.failure_code is not None:
        failed = _status(facts, "failed", base, at, error_code=facts.failure_code)
        return [TimedUpdate(at, failed)]
    opted_out = facts.opt_out
    final = "read" if opted_out else (facts.final_status or _final_status(rng, config))
    out = [TimedUpdate(at, _status(facts, "sent", base, at, priced=True))]
    if final == "sent":
        return out
    instant = final == "read" and rng.random() < config.instant_read_rate
    if not instant:
        at += draw(rng, config.delivered_delay)
        out.append(TimedUpdate(at, _status(facts, "delivered", base, at, priced=True)))
    if final == "delivered":
        return out
    at += draw(rng, config.read_delay)
    out.append(TimedUpdate(at, _status(facts, "read", base, at, priced=instant)))
    if opted_out:
        gap = draw(rng, config.sent_delay)
        stop_at = at + draw(rng, config.reply_delay)
        out += opt_out(rng, wa_id=facts.wa_id, at=stop_at, base_timestamp=base, gap=gap)
    elif rng.random() < config.reply_rate:
        out.append(
            reply(
                rng,
                message_id=facts.message_id,
                wa_id=facts.wa_id,
                language=facts.language,
                quick_replies=facts.quick_replies,
                button_share=config.button_reply_share,
                at=at + draw(rng, config.reply_delay),
                base_timestamp=base,
                business_number=config.display_phone_number,
            )
        )
    return out


def _final_status(rng: random.Random, config: WebhookConfig) -> str:
    roll = rng.random()
    if roll < config.stop_at_sent:
        return "sent"
    if roll < config.stop_at_sent + config.stop_at_delivered:
        return "delivered"
    return "read"


def _status(
    facts: MessageFacts,
    status: str,
    base: float,
    at: float,
    *,
    priced: bool = False,
    error_code: int | None = None,
) -> Update:
    return status_update(
        message_id=facts.message_id,
        status=status,
        timestamp=int(base + at),
        recipient_id=facts.wa_id,
        callback_data=facts.callback_data,
        pricing_category=facts.category if priced else None,
        error_code=error_code,
    )


def facts_from_accepted(message: AcceptedMessage) -> MessageFacts:
    """The simulator's accepted message (and its fate) as the emitter needs it."""
    failed = message.fate is Fate.FAILED
    return MessageFacts(
        message_id=message.message_id,
        wa_id=message.wa_id,
        language=message.language or "en_US",
        accepted_at=message.at.timestamp(),
        category=pricing_category(message),
        callback_data=message.callback_data,
        failure_code=(message.error_code or 131000) if failed else None,
        opt_out=message.fate is Fate.OPT_OUT,
        quick_replies=quick_replies(message.quick_replies, message.components),
    )


def pricing_category(message: AcceptedMessage) -> str:
    """`marketing_lite` for what the Marketing Messages API sent, else the template's category
    in lower case (`service` for a text message)."""
    if message.endpoint == "marketing_messages":
        return "marketing_lite"
    return (message.category or "service").lower()


def quick_replies(
    texts: tuple[str, ...], components: tuple[dict[str, Any], ...]
) -> tuple[QuickReply, ...]:
    """The template's quick-reply buttons with the payloads the send set for them.

    A tap reports the payload the business put in the send's ``button``/``quick_reply``
    component for that index; without one, Meta reports the button's text as the payload.
    """
    payloads: dict[int, str] = {}
    for component in components:
        if component.get("type") != "button" or component.get("sub_type") != "quick_reply":
            continue
        parameters = component.get("parameters")
        if not isinstance(parameters, list) or not parameters:
            continue
        payload = parameters[0].get("payload") if isinstance(parameters[0], dict) else None
        index = str(component.get("index", ""))
        if isinstance(payload, str) and index.isdigit():
            payloads[int(index)] = payload
    return tuple(QuickReply(payloads.get(i, text), text) for i, text in enumerate(texts))
