"""Engine limits: how much is claimed at once, how many requests fly, when to give up.

The daily recipient limit mirrors Meta's messaging limit: unique users per moving 24 h,
shared by every number of the business portfolio since 2025-10-07, so it is counted across
all campaigns from the sends table, not per campaign.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from wabroadcast.config import NEW_PORTFOLIO_DAILY_LIMIT, Settings
from wabroadcast.engine.retry import RetryPolicy

DAILY_WINDOW = timedelta(hours=24)
STALE_CLAIM_AFTER = timedelta(minutes=15)
"""A claim older than this cannot belong to a live sender (retries are bounded far below it),
so on resume it is turned into `unknown`: its request may have gone out before a crash."""


@dataclass(frozen=True)
class EngineOptions:
    batch_size: int | None = None
    """Claims per transaction; default: a quarter second of sends, 10 to 250. Claims queued
    but not yet requested when a process is killed become `unknown` (never sent), so the
    queue is kept this short: a kill -9 strands about 0.5 s of sends plus those in flight."""
    max_in_flight: int = 512
    assumed_latency: float = 0.2
    """Latency used to size the in-flight pool until real answers are measured."""
    max_consecutive_errors: int = 25
    """This many sends in a row ending released or unknown pauses the campaign."""
    stale_claim_after: timedelta = STALE_CLAIM_AFTER
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def claim_batch(self, rate: float) -> int:
        if self.batch_size is not None:
            return self.batch_size
        return max(10, min(250, math.ceil(rate / 4)))

    def in_flight_for(self, rate: float, latency: float) -> int:
        """Requests in flight needed to keep the bucket full: rate × latency × 1.5."""
        return max(4, min(self.max_in_flight, math.ceil(rate * latency * 1.5)))


async def resolve_daily_limit(settings: Settings, client: object) -> int | None:
    """DAILY_RECIPIENT_LIMIT if set; else the number's messaging limit tier (None means
    unlimited); else 250, the limit of a new portfolio, when the tier cannot be read."""
    if settings.daily_recipient_limit is not None:
        return settings.daily_recipient_limit
    reader = getattr(client, "phone_number_info", None)
    if reader is None:
        return NEW_PORTFOLIO_DAILY_LIMIT
    try:
        info = await reader()
    except Exception:  # any failure to read the tier: be as careful as a new portfolio
        return NEW_PORTFOLIO_DAILY_LIMIT
    if getattr(info, "messaging_limit_tier", None) == "TIER_UNLIMITED":
        return None
    limit = getattr(info, "daily_limit", None)
    return limit if isinstance(limit, int) else NEW_PORTFOLIO_DAILY_LIMIT
