"""What a campaign is doing right now, as every screen shows it (API, CLI, panel).

The stored state says what the campaign *may* do: `running` means it should be sent. Whether
something sends it is in the number's sending lease (engine/lease.py), which names the
campaign its holder is sending. So the state shown is:

- the stored state, when it is not `running`;
- `running` when a live lease of its number is sending this campaign (or, asked by a server,
  when that server's own run of it is about to take its free number);
- `waiting` otherwise, with why: the number is busy sending another campaign (which one, and
  which process), the server that started it offers the number to another server
  (engine/balance.py), or no process is sending it (the process that ran it stopped; a running
  `wabroadcast serve` takes it over, or `wabroadcast campaign run ID` continues it).

A campaign nobody is sending is therefore never shown `running`. A lease is live until its
`expires_at`, so a killed sender's campaign turns `waiting` within SENDER_LEASE_SECONDS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wabroadcast.domain.models import CampaignState
from wabroadcast.engine.balance import OFFER, is_offer
from wabroadcast.storage.tables import Campaign, SenderLease

WAITING = "waiting"
"""Shown instead of `running` while nothing sends the campaign (not a stored state)."""


@dataclass(frozen=True)
class Activity:
    """The state to show and, when `waiting`, why: `reason` is `busy` (the number sends
    `by_campaign` in `by_process`), `offered` (`by_process` started it and leaves the number
    to another server) or `no_sender`; `waiting_for` says it in one sentence."""

    state: str
    waiting_for: str | None = None
    reason: str | None = None
    phone_number_id: str | None = None
    by_campaign: int | None = None
    by_process: str | None = None

    @property
    def waiting(self) -> bool:
        return self.state == WAITING


def activities(
    session: Session,
    campaigns: Iterable[Campaign],
    now: datetime | None = None,
    *,
    running_here: Callable[[int], bool] | None = None,
) -> dict[int, Activity]:
    """The shown state of each campaign, with one query for the leases of their numbers.

    `now` is wall-clock time (leases are shared between processes), not a test's fake clock.
    `running_here` (the server's runner) tells a run this process has just started, which
    takes the free number in a moment, from a campaign nobody sends.
    """
    now = now or datetime.now(UTC)
    rows = list(campaigns)
    numbers = {c.phone_number_id for c in rows if c.state == CampaignState.RUNNING.value}
    leases: dict[str, SenderLease] = {}
    if numbers:
        leases = {
            lease.phone_number_id: lease
            for lease in session.scalars(
                select(SenderLease).where(SenderLease.phone_number_id.in_(sorted(numbers)))
            )
        }
    here = running_here or (lambda _campaign_id: False)
    shown = {c.id: _activity(c, leases.get(c.phone_number_id), now, here(c.id)) for c in rows}
    return _recheck_no_sender(session, shown)


def _recheck_no_sender(session: Session, shown: dict[int, Activity]) -> dict[int, Activity]:
    """A row read just before its run ended says `running` while the lease is already gone:
    read the state again for the campaigns about to be shown with no sender, so a campaign
    that has just finished is shown finished, not waiting for a sender for a moment."""
    unsent = [cid for cid, now in shown.items() if now.reason in ("no_sender", "offered")]
    if not unsent:
        return shown
    states = session.execute(select(Campaign.id, Campaign.state).where(Campaign.id.in_(unsent)))
    for campaign_id, state in states:
        if state != CampaignState.RUNNING.value:
            shown[campaign_id] = Activity(state)
    return shown


def activity(
    session: Session,
    campaign: Campaign,
    now: datetime | None = None,
    *,
    running_here: Callable[[int], bool] | None = None,
) -> Activity:
    return activities(session, [campaign], now, running_here=running_here)[campaign.id]


def _activity(campaign: Campaign, lease: SenderLease | None, now: datetime, here: bool) -> Activity:
    if campaign.state != CampaignState.RUNNING.value:
        return Activity(campaign.state)
    live = lease is not None and _aware(lease.expires_at) >= now
    if live and lease is not None and lease.campaign_id == campaign.id:
        return Activity(CampaignState.RUNNING.value)
    number = campaign.phone_number_id
    if lease is not None and not live and is_offer(lease.holder):
        return Activity(
            WAITING,
            f"phone number {number} is offered to another server, as the one that started "
            f"it already sends its share of the numbers (process {_process(lease.holder)}); "
            "it starts within seconds",
            reason="offered",
            phone_number_id=number,
            by_process=_process(lease.holder),
        )
    if here and not live:  # this process's run is about to take the free number
        return Activity(CampaignState.RUNNING.value)
    if live and lease is not None:
        what = f"campaign {lease.campaign_id}" if lease.campaign_id else "another campaign"
        process = _process(lease.holder)
        return Activity(
            WAITING,
            f"phone number {number} is sending {what} (process {process}); "
            "this one starts when it is done",
            reason="busy",
            phone_number_id=number,
            by_campaign=lease.campaign_id,
            by_process=process,
        )
    return Activity(
        WAITING,
        "no process is sending it: a running `wabroadcast serve` takes it over, or "
        f"`wabroadcast campaign run {campaign.id}` continues it",
        reason="no_sender",
        phone_number_id=number,
    )


def _process(holder: str) -> str:
    """`host:pid:uuid…` → `host:pid` (the rest only tells runs of one process apart); an
    offer's `offer:host:pid:uuid` → `host:pid`."""
    parts = holder.removeprefix(OFFER).split(":")
    return ":".join(parts[:2]) if len(parts) >= 2 else holder


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
