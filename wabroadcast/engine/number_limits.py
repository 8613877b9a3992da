"""A number's send rate and daily recipient limit: settings first, then Meta's webhooks.

How the settings and the account webhooks combine (docs/configuration.md):

* **Rate.** A rate written in PHONE_NUMBERS (``id:20``) is fixed: a coexistence number stays
  at Meta's 20 msg/s whatever a webhook says. Otherwise SEND_RATE is the starting rate, and a
  ``THROUGHPUT_UPGRADE`` for the number raises it to the HIGH level (1,000 msg/s), at most
  MAX_SEND_RATE; it is never lowered below SEND_RATE.
* **Daily limit.** DAILY_RECIPIENT_LIMIT (or a number's ``:daily_limit``) is a cap: a
  messaging limit from a webhook can lower the limit below it, never raise it above. Without a
  cap the latest webhook limit is used (``-1``: unlimited), else the tier read from the Graph
  API, else 250.

Webhooks name a number by its display phone number; its phone number id is learned from the
Graph API the first time a run of that number finds an unlinked row.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime

from wabroadcast.business_numbers import PhoneNumber, configured_numbers, settings_for_number
from wabroadcast.config import Settings
from wabroadcast.domain.messaging_limits import HIGH, THROUGHPUT_RATES, UNLIMITED
from wabroadcast.engine.limits import resolve_daily_limit
from wabroadcast.storage import number_limits as store
from wabroadcast.storage.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NumberLimits:
    """What one run of a number uses, and where each value came from."""

    phone_number_id: str
    send_rate: float
    rate_source: str
    daily_limit: int | None
    """None: unlimited."""
    daily_source: str
    quality_event: str | None = None
    quality_at: datetime | None = None
    display_number: str | None = None
    """The display phone number the webhooks named, once linked."""
    rate_at: datetime | None = None
    """Time of the webhook the rate comes from; None: from the settings."""
    daily_at: datetime | None = None
    """Time of the webhook the daily limit comes from; None: settings or the Graph API."""


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at is not None else "?"


def number_rate(
    settings: Settings, number: PhoneNumber, state: store.NumberState | None
) -> tuple[float, str]:
    """The rate for `number` and its source, given its stored webhook state."""
    if number.rate_configured:
        return number.send_rate, "PHONE_NUMBERS"
    rate, source = number.send_rate, "SEND_RATE"
    if state is not None and state.throughput_level == HIGH:
        level = THROUGHPUT_RATES[HIGH]
        cap = settings.max_send_rate
        raised = min(level, cap) if cap is not None else level
        if raised > rate:
            capped = " (capped by MAX_SEND_RATE)" if raised < level else ""
            rate = raised
            source = f"webhook THROUGHPUT_UPGRADE at {_when(state.throughput_at)}{capped}"
    return rate, source


def webhook_daily_limit(
    cap: int | None, portfolio: store.NumberState | None
) -> tuple[int | None, str] | None:
    """The daily limit from the latest messaging limit webhook under `cap`; None when no
    webhook said one (the caller then asks the Graph API)."""
    if portfolio is None or portfolio.daily_limit is None:
        return None
    told = None if portfolio.daily_limit == UNLIMITED else portfolio.daily_limit
    source = f"webhook at {_when(portfolio.daily_limit_at)}"
    if cap is None:
        return told, source
    if told is not None and told < cap:
        return told, f"{source} (below the configured cap {cap:,})"
    return cap, f"setting (cap; webhook says {'unlimited' if told is None else f'{told:,}'})"


def _number(settings: Settings) -> PhoneNumber:
    return configured_numbers(settings)[settings.phone_number_id]


def stored_limits(
    database: Database, settings: Settings, display_number: str | None = None
) -> tuple[store.NumberState | None, store.NumberState | None, list[str]]:
    with database.session() as session:
        number = store.number_state(session, settings.phone_number_id, display_number)
        return number, store.portfolio_state(session), store.unlinked_numbers(session)


def _link(database: Database, display: str, phone_number_id: str) -> None:
    with database.session() as session:
        store.remember_phone_number_id(session, display, phone_number_id)


async def _learn_display_number(
    database: Database, settings: Settings, client: object, unlinked: list[str]
) -> bool:
    """Ask the Graph API which display number this phone number id has; link its row."""
    reader = getattr(client, "phone_number_info", None)
    if reader is None or not unlinked:
        return False
    try:
        info = await reader()
    except Exception as exc:  # the Graph read is a courtesy: the configured rate stays
        log.warning("could not read phone number %s: %s", settings.phone_number_id, exc)
        return False
    display = "".join(ch for ch in info.display_phone_number or "" if ch.isdigit())
    if display not in unlinked:
        return False
    await asyncio.to_thread(_link, database, display, settings.phone_number_id)
    return True


async def resolve_number_limits(
    database: Database, settings: Settings, client: object
) -> NumberLimits:
    """The rate and daily limit a run of ``settings.phone_number_id`` uses (module doc).

    `settings` are the number's own (business_numbers.settings_for_number)."""
    number = _number(settings)
    state, portfolio, unlinked = await asyncio.to_thread(stored_limits, database, settings)
    if state is None and await _learn_display_number(database, settings, client, unlinked):
        state, portfolio, unlinked = await asyncio.to_thread(stored_limits, database, settings)
    rate, rate_source = number_rate(settings, number, state)
    from_webhook = webhook_daily_limit(number.daily_limit, portfolio)
    if from_webhook is not None:
        daily, daily_source = from_webhook
    else:
        daily = await resolve_daily_limit(settings, client)
        daily_source = "setting" if number.daily_limit is not None else "Graph API tier or 250"
    return NumberLimits(
        phone_number_id=settings.phone_number_id,
        send_rate=rate,
        rate_source=rate_source,
        daily_limit=daily,
        daily_source=daily_source,
        quality_event=state.quality_event if state else None,
        quality_at=state.quality_event_at if state else None,
        display_number=state.number if state else None,
    )


def _webhook_time(source: str, at: datetime | None) -> datetime | None:
    return at if source.startswith("webhook") else None


READ_AT_START = "read from the Graph API when a run starts (250 if that fails)"


def stored_number_limits(database: Database, settings: Settings) -> list[NumberLimits]:
    """Every configured number's rate and daily limit as far as known without the Graph API
    (`wabroadcast config`, GET /api/numbers, the panel). A daily limit of None with
    :data:`READ_AT_START` as its source is not unlimited but unknown until a run reads it."""
    shown: list[NumberLimits] = []
    for number in configured_numbers(settings).values():
        own = settings_for_number(settings, number.phone_number_id)
        state, portfolio, _ = stored_limits(database, own)
        rate, rate_source = number_rate(own, number, state)
        from_webhook = webhook_daily_limit(number.daily_limit, portfolio)
        if from_webhook is not None:
            daily, daily_source = from_webhook
        elif number.daily_limit is not None:
            daily, daily_source = number.daily_limit, "setting"
        else:
            daily, daily_source = None, READ_AT_START
        shown.append(
            NumberLimits(
                phone_number_id=number.phone_number_id,
                send_rate=rate,
                rate_source=rate_source,
                daily_limit=daily,
                daily_source=daily_source,
                quality_event=state.quality_event if state else None,
                quality_at=state.quality_event_at if state else None,
                display_number=state.number if state else None,
                rate_at=state.throughput_at
                if state and rate_source.startswith("webhook")
                else None,
                daily_at=portfolio.daily_limit_at
                if portfolio and daily_source.startswith("webhook")
                else None,
            )
        )
    return shown


REFRESH_EVERY = 2.0
"""Seconds (by the run's clock) between a running sender's looks at the stored webhook
facts: a THROUGHPUT_UPGRADE or a new messaging limit then applies within that time."""


def refreshed(database: Database, settings: Settings, limits: NumberLimits) -> NumberLimits:
    """`limits` with what the stored webhooks say now (no Graph API call): the rate as at a
    run's start, the daily limit when a webhook gave one (else the one the run started with)."""
    state, portfolio, _ = stored_limits(database, settings, limits.display_number)
    rate, rate_source = number_rate(settings, _number(settings), state)
    from_webhook = webhook_daily_limit(_number(settings).daily_limit, portfolio)
    daily, daily_source = from_webhook or (limits.daily_limit, limits.daily_source)
    return dataclasses.replace(
        limits,
        send_rate=rate,
        rate_source=rate_source,
        daily_limit=daily,
        daily_source=daily_source,
    )
