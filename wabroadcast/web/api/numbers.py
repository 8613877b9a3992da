"""/api/numbers: each configured business number's send rate, daily recipient limit and last
quality event, with where each value came from (a setting, or a webhook at a time)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from wabroadcast.engine.number_limits import stored_number_limits
from wabroadcast.web.api.schemas import NumberLimitsPublic

router = APIRouter(prefix="/api/numbers", tags=["numbers"])


@router.get("", response_model=list[NumberLimitsPublic])
def list_numbers(request: Request) -> list[NumberLimitsPublic]:
    """PHONE_NUMBER_ID first, then PHONE_NUMBERS in order (docs/webhooks.md, account webhooks)."""
    state = request.app.state
    return [
        NumberLimitsPublic(
            phone_number_id=limits.phone_number_id,
            display_number=limits.display_number,
            send_rate=limits.send_rate,
            rate_source=limits.rate_source,
            daily_limit=limits.daily_limit,
            daily_source=limits.daily_source,
            quality_event=limits.quality_event,
            quality_at=limits.quality_at,
        )
        for limits in stored_number_limits(state.database, state.settings)
    ]
