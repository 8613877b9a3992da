"""An A/B test's variants side by side, as the API, the CLI and the panel show them.

The counts are the variants' funnels from storage/stats.py, the numbers each variant's
campaign page shows, and the rates are the ones the decision compares (engine/ab_tests.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from wabroadcast.domain.ab_tests import WINNER, AbMetric
from wabroadcast.storage import ab_tests as ab_store
from wabroadcast.storage.stats import Funnel, funnels
from wabroadcast.storage.tables import AbTest


@dataclass(frozen=True, slots=True)
class VariantRow:
    variant: str
    """A letter, or ``winner`` for the rest."""
    campaign_id: int
    template_name: str
    language: str
    state: str
    sent: int
    """Accepted by the Cloud API (the campaign page's `accepted`)."""
    delivered: int
    read: int
    replied: int

    @property
    def read_rate(self) -> float | None:
        return self.read / self.sent if self.sent else None

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.sent if self.sent else None


@dataclass(frozen=True, slots=True)
class AbTestSummary:
    id: int
    name: str
    metric: str
    share_percent: int
    decide_after_hours: int
    state: str
    winner_variant: str | None
    note: str | None
    limit: int | None
    created_at: datetime
    decide_at: datetime
    decided_at: datetime | None
    variants: tuple[VariantRow, ...]
    winner: VariantRow | None
    """The winner's campaign to the rest, once created."""

    def rate(self, row: VariantRow) -> float | None:
        """The row's rate for this test's metric."""
        return row.read_rate if self.metric == AbMetric.READ.value else row.reply_rate


def summarize(session: Session, test: AbTest) -> AbTestSummary:
    campaigns = ab_store.campaigns_of(session, test.id)
    found = funnels(session, [c.id for c in campaigns])
    rows = []
    for campaign in campaigns:
        funnel = found.get(campaign.id, Funnel())
        rows.append(
            VariantRow(
                variant=campaign.ab_variant or "",
                campaign_id=campaign.id,
                template_name=campaign.template_name,
                language=campaign.language,
                state=campaign.state,
                sent=campaign.accepted_count,
                delivered=funnel.delivered,
                read=funnel.read,
                replied=funnel.replied,
            )
        )
    return AbTestSummary(
        id=test.id,
        name=test.name,
        metric=test.metric,
        share_percent=test.share_percent,
        decide_after_hours=test.decide_after_hours,
        state=test.state,
        winner_variant=test.winner_variant,
        note=test.note,
        limit=test.requested_limit,
        created_at=test.created_at,
        decide_at=test.decide_at,
        decided_at=test.decided_at,
        variants=tuple(r for r in rows if r.variant != WINNER),
        winner=next((r for r in rows if r.variant == WINNER), None),
    )
