"""What a campaign run reports: the numbers a person asks for after a broadcast."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from wabroadcast.domain.models import CampaignState
from wabroadcast.storage import campaigns as campaign_store
from wabroadcast.storage.deferred import DeferralCounts, deferral_counts
from wabroadcast.storage.stats import Funnel, funnels
from wabroadcast.storage.tables import Campaign


@dataclass(frozen=True)
class CampaignSummary:
    campaign_id: int
    template_name: str
    language: str
    state: CampaignState
    requested: int
    eligible: int
    selected: int
    accepted: int
    failed: int
    """Refused at send time plus reported failed by a status webhook (storage/stats.py)."""
    unknown: int
    held_back: int
    failures: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    failed_at_send: int = 0
    deferred: int = 0
    """Sends Meta held back with 131049, waiting for their retry (storage/deferred.py)."""
    retried: int = 0
    """Retries of deferred sends made so far."""
    held: int = 0
    """Sends Meta holds now for a template under pacing; then released or dropped."""
    held_total: int = 0
    held_released: int = 0
    held_dropped: int = 0

    @classmethod
    def read(cls, session: Session, campaign_id: int) -> CampaignSummary:
        """The campaign's summary with the failures its status webhooks reported."""
        row = campaign_store.get_campaign(session, campaign_id)
        deferrals = deferral_counts(session, [campaign_id])[campaign_id]
        return cls.from_row(row, funnels(session, [campaign_id])[campaign_id], deferrals)

    @classmethod
    def from_row(
        cls, row: Campaign, funnel: Funnel | None = None, deferrals: DeferralCounts | None = None
    ) -> CampaignSummary:
        """From the campaign row and its funnel; without the funnel `failed` counts only the
        refusals at send time (what the engine itself knows while it runs)."""
        failures = {str(k): int(v) for k, v in (row.failures or {}).items()}
        for reason, count in funnel.failures_later if funnel else ():
            failures[reason] = failures.get(reason, 0) + count
        return cls(
            campaign_id=row.id,
            template_name=row.template_name,
            language=row.language,
            state=CampaignState(row.state),
            requested=row.requested_limit,
            eligible=row.eligible_count,
            selected=row.selected_count,
            accepted=row.accepted_count,
            failed=row.failed_count + (funnel.failed_later if funnel else 0),
            failed_at_send=row.failed_count,
            deferred=deferrals.deferred if deferrals else 0,
            retried=deferrals.retried if deferrals else 0,
            unknown=row.unknown_count,
            held_back=row.held_back_count,
            failures=failures,
            error=row.error,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            held=funnel.held if funnel else 0,
            held_total=funnel.held_total if funnel else 0,
            held_released=funnel.held_released if funnel else 0,
            held_dropped=funnel.held_dropped if funnel else 0,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "template": self.template_name,
            "language": self.language,
            "state": self.state.value,
            "requested": self.requested,
            "eligible": self.eligible,
            "selected": self.selected,
            "accepted": self.accepted,
            "failed": self.failed,
            "failed_at_send": self.failed_at_send,
            "failures": dict(self.failures),
            "unknown": self.unknown,
            "deferred": self.deferred,
            "retried": self.retried,
            "held_back": self.held_back,
            "held": self.held,
            "held_total": self.held_total,
            "held_released": self.held_released,
            "held_dropped": self.held_dropped,
            "error": self.error,
            "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
