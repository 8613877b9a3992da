"""Request and response shapes of /api/ab-tests."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from wabroadcast.engine.ab_test_summary import AbTestSummary, VariantRow
from wabroadcast.web.api.audience_schemas import AudienceIn
from wabroadcast.web.api.schemas import CampaignLimit, Strict


class AbTestCreate(Strict):
    name: str = Field(min_length=1, max_length=255)
    templates: list[str] = Field(
        min_length=1,
        max_length=10,
        description="2 to 5 template names; the first is variant A, the next B, and so on.",
    )
    language: str | None = Field(
        None, max_length=16, description="Their language; default each template's only one."
    )
    share: int = Field(description="Percent of the audience per variant, 1 to 50.")
    metric: Literal["read", "reply"] = Field(
        description="The winner has the most reads (or replies) per accepted send."
    )
    decide_after_hours: int = Field(description="Decide this many hours after creation (1-720).")
    limit: CampaignLimit | None = Field(
        None, description="At most this many contacts over the variants and the rest."
    )
    phone_number_id: str | None = Field(None, max_length=64)
    audience: AudienceIn | None = Field(None, description="Who it is for; default everyone.")


class AbVariantPublic(BaseModel):
    variant: str = Field(description="A, B, … or winner (the rest).")
    campaign_id: int
    template_name: str
    language: str
    state: str
    sent: int = Field(description="Accepted by the Cloud API (the campaign's `accepted`).")
    delivered: int
    read: int
    replied: int
    read_rate: float | None = Field(description="read / sent; null when nothing was sent.")
    reply_rate: float | None = Field(description="replied / sent; null when nothing was sent.")

    @classmethod
    def of(cls, row: VariantRow) -> AbVariantPublic:
        return cls(
            variant=row.variant,
            campaign_id=row.campaign_id,
            template_name=row.template_name,
            language=row.language,
            state=row.state,
            sent=row.sent,
            delivered=row.delivered,
            read=row.read,
            replied=row.replied,
            read_rate=row.read_rate,
            reply_rate=row.reply_rate,
        )


class AbTestPublic(BaseModel):
    id: int
    name: str
    metric: str
    share: int
    decide_after_hours: int
    state: str = Field(description="testing, deciding, sending_winner, done or cancelled.")
    winner_variant: str | None
    note: str | None = Field(description="What the decision saw, or why there is no winner.")
    limit: int | None
    created_at: datetime
    decide_at: datetime
    decided_at: datetime | None
    variants: list[AbVariantPublic]
    winner: AbVariantPublic | None = Field(description="The winner's campaign to the rest.")

    @classmethod
    def of(cls, summary: AbTestSummary) -> AbTestPublic:
        return cls(
            id=summary.id,
            name=summary.name,
            metric=summary.metric,
            share=summary.share_percent,
            decide_after_hours=summary.decide_after_hours,
            state=summary.state,
            winner_variant=summary.winner_variant,
            note=summary.note,
            limit=summary.limit,
            created_at=summary.created_at,
            decide_at=summary.decide_at,
            decided_at=summary.decided_at,
            variants=[AbVariantPublic.of(row) for row in summary.variants],
            winner=AbVariantPublic.of(summary.winner) if summary.winner else None,
        )


class AbTestPage(BaseModel):
    items: list[AbTestPublic]
    total: int
