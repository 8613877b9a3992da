"""Which endpoint a campaign run sends through: /messages or the Marketing Messages API.

MARKETING_MESSAGES_API decides it for MARKETING templates (by the template's latest synced
category; Meta prices by the category at send time and may recategorise): `off` keeps
/messages, `prefer` and `only` use /marketing_messages. Every other category stays on
/messages, which is the only endpoint that takes them. The route is resolved once when a run
starts (clearing the note of the campaign's last run); under `prefer` a refusal that only the
MM API gives (terms not accepted, template ineligible) moves the rest of the run to
/messages, once, with a note on the campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wabroadcast.cloudapi.errors import CloudAPIError
from wabroadcast.cloudapi.marketing import (
    TERMS_SENTENCE,
    Endpoint,
    MarketingOptions,
    route_unusable,
    terms_not_accepted,
)
from wabroadcast.config import Settings
from wabroadcast.storage import templates as template_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.endpoints import clear_note


@dataclass
class Route:
    """One run's endpoint. `marketing` is None while the run sends through /messages."""

    mode: str
    marketing: MarketingOptions | None = None
    fell_back: bool = False

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint.MESSAGES if self.marketing is None else Endpoint.MARKETING_MESSAGES


def resolve_route(
    database: Database, campaign_id: int, template: str, settings: Settings, now: datetime
) -> Route:
    """The run's route. The campaign's note (about its last run's route) is cleared."""
    mode = settings.marketing_messages_api
    with database.session() as session:
        clear_note(session, campaign_id, now)
        category = template_store.category_of(session, template) if mode != "off" else None
        session.commit()
    if category != template_store.MARKETING:
        return Route(mode)
    options = MarketingOptions(
        product_policy=settings.marketing_messages_product_policy,
        message_activity_sharing=settings.marketing_messages_activity_sharing,
    )
    return Route(mode, options)


@dataclass(frozen=True)
class RouteDecision:
    """What a refusal from /marketing_messages means for the run."""

    retry_on_messages: bool = False
    pause: str | None = None
    note: str | None = None


def on_refusal(
    route: Route, error: CloudAPIError, now: datetime, *, via_marketing: bool
) -> RouteDecision | None:
    """What to do when a request sent through /marketing_messages (``via_marketing``) was
    refused; None when ``error`` is not the MM API's own refusal (the usual table decides)."""
    if not via_marketing or not route_unusable(error):
        return None
    terms = terms_not_accepted(error)
    if route.mode == "only":
        return RouteDecision(pause=f"paused: {TERMS_SENTENCE}") if terms else None
    if route.fell_back:  # another worker's request was refused too: just send it again
        return RouteDecision(retry_on_messages=True)
    route.marketing, route.fell_back = None, True
    why = (
        "the business portfolio has not accepted the Marketing Messages API terms (accept them "
        "in WhatsApp Manager or Meta Business Suite)"
        if terms
        else "the template is not eligible for the Marketing Messages API (134102)"
    )
    note = (
        f"sent through /messages from {now:%Y-%m-%d %H:%M} UTC: {why}; "
        "the next run tries the Marketing Messages API again"
    )
    return RouteDecision(retry_on_messages=True, note=note)
