"""What simulated users write back: text replies, quick-reply taps, and STOP with its opt-out.

Replies are what a campaign is for, so the receiver must link them to the send they answer:
a quick-reply tap carries ``context.id`` = the template's wamid (§5.5), a typed reply usually
carries nothing but the sender's number. Opted-out users answer ``STOP`` and, like a user
tapping "Stop promotions" in WhatsApp, also produce a ``user_preferences`` ``stop`` event
(§5.7) — two different signals a receiver has to treat as one opt-out.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass

from wabroadcast.simulator.webhook_payloads import (
    Update,
    button_message_update,
    preference_update,
    text_message_update,
)

TEXT_REPLIES: dict[str, tuple[str, ...]] = {
    "tr": ("Daha fazla bilgi alabilir miyim?", "Teşekkürler!", "Fiyatı nedir?"),
    "pt": ("Quero saber mais", "Obrigado!", "Qual é o preço?"),
    "es": ("Quiero saber más", "¡Gracias!", "¿Cuánto cuesta?"),
    "en": ("Tell me more", "Thanks!", "How much is it?"),
}
FALLBACK_BUTTONS = (("Interested", "Interested"), ("Stop promotions", "Stop promotions"))
"""Used when the template defines no quick-reply buttons of its own."""


@dataclass(frozen=True)
class QuickReply:
    """A template's quick-reply button: what the user taps (``text``) and what we get back."""

    payload: str
    text: str


@dataclass(frozen=True)
class TimedUpdate:
    """An update and when it happens, in seconds after the message was accepted."""

    offset: float
    update: Update


def inbound_message_id(rng: random.Random, wa_id: str) -> str:
    """A wamid-shaped id for a message the user sends (inbound ids are unique per message)."""
    raw = wa_id.encode() + b"\x15\x02\x00\x12\x18\x14" + rng.randbytes(10)
    return "wamid." + base64.b64encode(raw).decode()


def _texts(language: str) -> tuple[str, ...]:
    return TEXT_REPLIES.get(language.split("_")[0].lower(), TEXT_REPLIES["en"])


def reply(
    rng: random.Random,
    *,
    message_id: str,
    wa_id: str,
    language: str,
    quick_replies: tuple[QuickReply, ...],
    button_share: float,
    at: float,
    base_timestamp: float,
    business_number: str,
) -> TimedUpdate:
    """One reply: a quick-reply tap (share ``button_share``) or a typed text in the language."""
    timestamp = int(base_timestamp + at)
    inbound_id = inbound_message_id(rng, wa_id)
    if rng.random() < button_share:
        buttons = quick_replies or tuple(QuickReply(p, t) for p, t in FALLBACK_BUTTONS)
        button = buttons[rng.randrange(len(buttons))]
        update = button_message_update(
            message_id=inbound_id,
            wa_id=wa_id,
            timestamp=timestamp,
            context={"from": business_number, "id": message_id},
            payload=button.payload,
            text=button.text,
        )
    else:
        texts = _texts(language)
        update = text_message_update(
            message_id=inbound_id,
            wa_id=wa_id,
            timestamp=timestamp,
            body=texts[rng.randrange(len(texts))],
            context=None,
        )
    return TimedUpdate(at, update)


def opt_out(
    rng: random.Random, *, wa_id: str, at: float, base_timestamp: float, gap: float
) -> list[TimedUpdate]:
    """A user who does not want marketing: types ``STOP``, then Meta reports the preference."""
    stop = text_message_update(
        message_id=inbound_message_id(rng, wa_id),
        wa_id=wa_id,
        timestamp=int(base_timestamp + at),
        body="STOP",
        context=None,
    )
    preference = preference_update(
        wa_id=wa_id, value="stop", timestamp=int(base_timestamp + at + gap)
    )
    return [TimedUpdate(at, stop), TimedUpdate(at + gap, preference)]
