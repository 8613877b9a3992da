"""Campaign rows: creation, state changes and counters, safe with several senders at once.

Counters are changed with ``SET x = x + :n`` so two processes working on one campaign never
overwrite each other's numbers; the `failures` JSON is merged only after the row is locked by
an UPDATE (a row lock on PostgreSQL, the write lock on SQLite).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wabroadcast.domain.models import CampaignState
from wabroadcast.domain.transitions import check_move
from wabroadcast.storage.tables import Campaign


class CampaignNotFound(LookupError):
    def __init__(self, campaign_id: int) -> None:
        super().__init__(f"campaign {campaign_id} does not exist")
        self.campaign_id = campaign_id


def insert_campaign(
    session: Session,
    *,
    template_name: str,
    language: str,
    limit: int,
    phone_number_id: str,
    now: datetime,
) -> Campaign:
    """A new campaign in state `running`; nothing is claimed until the engine runs it."""
    campaign = Campaign(
        template_name=template_name,
        language=language,
        phone_number_id=phone_number_id,
        state=CampaignState.RUNNING.value,
        requested_limit=limit,
        eligible_count=0,
        selected_count=0,
        accepted_count=0,
        failed_count=0,
        unknown_count=0,
        held_back_count=0,
        failures={},
        parameters={},
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    session.flush()
    return campaign


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None:
        raise CampaignNotFound(campaign_id)
    return campaign


def list_campaigns(session: Session, *, limit: int = 50) -> list[Campaign]:
    rows = session.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(limit))
    return list(rows)


def lock_campaign(session: Session, campaign_id: int, now: datetime) -> CampaignState:
    """Touch the row, which takes its lock until commit, and return the stored state.

    On SQLite the UPDATE takes the database write lock, so whatever the caller reads and
    writes afterwards in this transaction cannot interleave with another sender.
    """
    state = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(updated_at=now)
        .returning(Campaign.state)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if state is None:
        raise CampaignNotFound(campaign_id)
    return CampaignState(state)


def move_state(
    session: Session,
    campaign_id: int,
    target: CampaignState,
    now: datetime,
    *,
    error: str | None = None,
) -> CampaignState:
    """Change the state if the transition rules allow it; returns the previous state.

    Raises TransitionError (domain.transitions) when the change is not allowed.
    """
    current = lock_campaign(session, campaign_id, now)
    check_move(campaign_id, current, target)
    values: dict[str, object] = {"state": target.value, "updated_at": now}
    if target in (CampaignState.COMPLETED, CampaignState.CANCELLED, CampaignState.ABORTED):
        values["finished_at"] = now
    if error is not None or target == CampaignState.RUNNING:
        values["error"] = error
    session.execute(update(Campaign).where(Campaign.id == campaign_id).values(**values))
    return current


def mark_started(session: Session, campaign_id: int, now: datetime, *, eligible: int) -> None:
    session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.started_at.is_(None))
        .values(started_at=now)
    )
    session.execute(
        update(Campaign).where(Campaign.id == campaign_id).values(eligible_count=eligible)
    )


def add_counts(
    session: Session,
    campaign_id: int,
    now: datetime,
    *,
    selected: int = 0,
    accepted: int = 0,
    failed: int = 0,
    unknown: int = 0,
    failures: Mapping[str, int] | None = None,
) -> None:
    """Add to the counters atomically; `failures` adds counts per reason to the JSON map."""
    session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(
            selected_count=Campaign.selected_count + selected,
            accepted_count=Campaign.accepted_count + accepted,
            failed_count=Campaign.failed_count + failed,
            unknown_count=Campaign.unknown_count + unknown,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if failures:
        current = session.execute(
            select(Campaign.failures).where(Campaign.id == campaign_id)
        ).scalar_one()
        merged = dict(current or {})
        for reason_text, count in failures.items():
            merged[reason_text] = int(merged.get(reason_text, 0)) + count
        session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(failures=merged)
            .execution_options(synchronize_session=False)
        )


def set_held_back(session: Session, campaign_id: int, held_back: int) -> None:
    """How many eligible contacts the daily recipient limit kept out of the last run."""
    session.execute(
        update(Campaign).where(Campaign.id == campaign_id).values(held_back_count=held_back)
    )
