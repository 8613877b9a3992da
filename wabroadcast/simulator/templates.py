"""The simulator's message templates, shaped like `GET /{waba-id}/message_templates` items.

Only APPROVED templates can be sent (cloudapi.md §1, §4). The defaults cover the cases a sender
meets: a template with no variables in two locales (`tr` and `en_US` are different templates to
Meta), a POSITIONAL and a NAMED one, one PAUSED (132015), one DISABLED (132016) and one PENDING
(not approved: 132001).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


@dataclass(frozen=True)
class SimTemplate:
    """One template in one language, as the WABA holds it."""

    id: str
    name: str
    language: str
    status: str
    category: str
    components: tuple[dict[str, Any], ...]
    parameter_format: str = "POSITIONAL"
    quality_score: str = "GREEN"

    def component(self, kind: str) -> dict[str, Any] | None:
        """The HEADER / BODY / FOOTER / BUTTONS component, if the template has one."""
        return next((c for c in self.components if c.get("type") == kind), None)

    def body_variables(self) -> list[str]:
        """Names (`1`, `2` … or `first_name`) of the body's variables, in order."""
        body = self.component("BODY")
        return PLACEHOLDER.findall(str(body.get("text", ""))) if body else []

    def header_format(self) -> str | None:
        """TEXT, IMAGE, VIDEO or DOCUMENT; None without a header."""
        header = self.component("HEADER")
        return str(header.get("format", "TEXT")) if header else None

    def header_variables(self) -> list[str]:
        header = self.component("HEADER")
        if header is None:
            return []
        if header.get("format", "TEXT") != "TEXT":
            return ["media"]
        return PLACEHOLDER.findall(str(header.get("text", "")))

    def buttons(self) -> list[dict[str, Any]]:
        group = self.component("BUTTONS")
        return list(group.get("buttons", [])) if group else []

    def quick_reply_texts(self) -> list[str]:
        """Texts of the quick-reply buttons; a STOP-like one is what opted-out users tap."""
        return [str(b["text"]) for b in self.buttons() if b.get("type") == "QUICK_REPLY"]

    def as_graph(self) -> dict[str, Any]:
        """The item as `message_templates` returns it."""
        return {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "parameter_format": self.parameter_format,
            "quality_score": {"score": self.quality_score},
            "components": [dict(c) for c in self.components],
        }


@dataclass
class TemplateStore:
    """Templates by (name, language); the order is the listing order."""

    templates: list[SimTemplate] = field(default_factory=list)

    def find(self, name: str, language: str) -> SimTemplate | None:
        return next((t for t in self.templates if t.name == name and t.language == language), None)

    def set_status(self, name: str, language: str, status: str) -> SimTemplate:
        """Change a template's status (a test pauses a template mid-campaign)."""
        for index, template in enumerate(self.templates):
            if template.name == name and template.language == language:
                changed = SimTemplate(**{**template.__dict__, "status": status})
                self.templates[index] = changed
                return changed
        raise KeyError(f"no template {name!r} in {language!r}")


def _stop_buttons(stop: str, more: str) -> dict[str, Any]:
    return {
        "type": "BUTTONS",
        "buttons": [{"type": "QUICK_REPLY", "text": more}, {"type": "QUICK_REPLY", "text": stop}],
    }


def default_templates() -> list[SimTemplate]:
    """The templates every simulator starts with (the brief's shared contract)."""
    return [
        SimTemplate(
            id="1689556908129801",
            name="daily_offer",
            language="tr",
            status="APPROVED",
            category="MARKETING",
            components=(
                {"type": "BODY", "text": "Bugünün fırsatı sizi bekliyor! Detaylar mağazada."},
                {"type": "FOOTER", "text": "Çıkmak için Durdur'a dokunun"},
                _stop_buttons("Durdur", "Daha fazla"),
            ),
        ),
        SimTemplate(
            id="1689556908129802",
            name="daily_offer",
            language="en_US",
            status="APPROVED",
            category="MARKETING",
            components=(
                {"type": "BODY", "text": "Today's offer is waiting for you! Details in store."},
                {"type": "FOOTER", "text": "Tap Stop to opt out"},
                _stop_buttons("Stop promotions", "Tell me more"),
            ),
        ),
        SimTemplate(
            id="1689556908129803",
            name="hello_world",
            language="en_US",
            status="APPROVED",
            category="UTILITY",
            components=(
                {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
                {
                    "type": "BODY",
                    "text": "Welcome and congratulations!! This message demonstrates your "
                    "ability to send a WhatsApp message notification from the Cloud API.",
                },
                {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"},
            ),
        ),
        SimTemplate(
            id="1689556908129804",
            name="spring_sale",
            language="pt_BR",
            status="APPROVED",
            category="MARKETING",
            components=(
                {
                    "type": "BODY",
                    "text": "Oi {{1}}, tudo em promoção nesta primavera!",
                    "example": {"body_text": [["Ana"]]},
                },
                {"type": "FOOTER", "text": "Toque em Parar para sair"},
                _stop_buttons("Parar promoções", "Quero saber mais"),
            ),
        ),
        SimTemplate(
            id="1689556908129805",
            name="order_update",
            language="en_US",
            status="APPROVED",
            category="UTILITY",
            parameter_format="NAMED",
            components=(
                {
                    "type": "BODY",
                    "text": "Hi {{first_name}}, your order {{order_id}} is on its way.",
                    "example": {
                        "body_text_named_params": [
                            {"param_name": "first_name", "example": "Ana"},
                            {"param_name": "order_id", "example": "1837"},
                        ]
                    },
                },
            ),
        ),
        SimTemplate(
            id="1689556908129806",
            name="winter_sale",
            language="en_US",
            status="PAUSED",
            category="MARKETING",
            quality_score="RED",
            components=({"type": "BODY", "text": "Winter sale: everything must go!"},),
        ),
        SimTemplate(
            id="1689556908129807",
            name="old_promo",
            language="en_US",
            status="DISABLED",
            category="MARKETING",
            quality_score="RED",
            components=({"type": "BODY", "text": "Last year's promotion."},),
        ),
        SimTemplate(
            id="1689556908129808",
            name="new_launch",
            language="en_US",
            status="PENDING",
            category="MARKETING",
            quality_score="UNKNOWN",
            components=({"type": "BODY", "text": "Something new is coming."},),
        ),
    ]
