"""Deferred sends: Cloud API 131049, the per-user marketing cap, and their retries.

Meta answers 131049 ("not delivered to maintain healthy ecosystem engagement") when a user has
had enough marketing messages for now, from anyone. It is not the contact's fault and Meta
asks to wait at least 24 h before trying again. So such a send is `deferred`: the pair stays
taken (never twice, never given to another campaign), the contact stays reachable, and the
engine requests the same send again later (engine/deferred.py).

A retry is a new request with a new message id. The send row always holds the latest attempt;
each earlier one moves to ``send_attempts`` (migration 0012) with its message id, status and
error, so a late webhook of an old attempt is recorded for the send without touching the new
attempt, and a campaign's `retried` count is the number of those rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from wabroadcast.domain.models import CampaignState, DeliveryStatus, SendState
from wabroadcast.storage import campaigns as campaign_store
from wabroadcast.storage.send_status import SendStatus
from wabroadcast.storage.tables import Campaign, Contact, Send, SendAttempt

MARKETING_CAP = 131049
"""Cloud API error code of the per-user marketing cap."""
RETRIED_CAMPAIGN_STATES = (CampaignState.RUNNING.value, CampaignState.COMPLETED.value)
"""Only these campaigns' deferred sends are retried: a person who paused or cancelled a
campaign, or Meta stopping it (template paused, token revoked), stops its retries too."""


@dataclass(frozen=True, slots=True)
class DueSend:
    """A deferred send whose wait is over, with what it takes to request it again."""

    send_id: int
    contact_id: int
    phone: str
    """The contact's number, or its BSUID when it has none (sent as `recipient`)."""
    campaign_id: int
    retries: int
    """Retries already made (rows in send_attempts)."""


@dataclass(frozen=True, slots=True)
class RetryClaim:
    """A deferred send claimed again for one more request (committed before it is sent)."""

    send_id: int
    contact_id: int
    phone: str
    campaign_id: int
    attempt: int
    """The number of this request: 2 for the first retry."""
    first_acceptance: bool
    """No earlier attempt was accepted (131049 came as the HTTP answer): an acceptance now
    adds to the campaign's accepted count."""


@dataclass(frozen=True, slots=True)
class DeferralCounts:
    deferred: int = 0
    """Sends waiting for their retry now."""
    retried: int = 0
    """Retries made so far (requests after the first)."""
    deferred_at_send: int = 0
    """Of `deferred`, those whose 131049 was the HTTP answer (never accepted): not yet in the
    campaign's accepted, failed or unknown counts."""


def defer_if_capped(send: SendStatus, error_code: int | None, status: str) -> bool:
    """A `failed` status webhook with 131049 defers an accepted send (the webhook processor
    calls this after merging the status). A send Meta reported delivered or read stays as
    it is. True when the send became deferred."""
    if error_code != MARKETING_CAP or status != DeliveryStatus.FAILED.value:
        return False
    if send.state != SendState.ACCEPTED.value or send.status != DeliveryStatus.FAILED.value:
        return False
    send.state = SendState.DEFERRED.value
    return True


def mark_deferred(
    session: Session, deferred: Sequence[tuple[int, int | None, str, int]], now: datetime
) -> None:
    """131049 as the HTTP answer: (send_id, code, title, attempts) become `deferred` from
    `claimed`, failure time now. The contact is not touched (unlike mark_failed)."""
    for send_id, code, title, attempts in deferred:
        session.execute(
            update(Send)
            .where(Send.id == send_id, Send.state == SendState.CLAIMED.value)
            .values(
                state=SendState.DEFERRED.value,
                error_code=code,
                error_title=title,
                attempts=attempts,
                failed_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )


def _retries(session: Session, send_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(send_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(SendAttempt.send_id, func.count())
        .where(SendAttempt.send_id.in_(ids))
        .group_by(SendAttempt.send_id)
    )
    return {int(send_id): int(count) for send_id, count in rows}


def _due_query(
    failed_before: datetime, phone_number_id: str | None, campaign_id: int | None
) -> Select[int, int, str, int | None]:
    query = (
        # A contact known only by BSUID has no phone: its send goes to the BSUID.
        select(
            Send.id,
            Send.contact_id,
            func.coalesce(Send.phone, Contact.user_id, ""),
            Send.campaign_id,
        )
        .join(Contact, Contact.id == Send.contact_id)
        .join(Campaign, Campaign.id == Send.campaign_id)
        .where(
            Send.state == SendState.DEFERRED.value,
            Send.failed_at < failed_before,
            Contact.opted_out_at.is_(None),
            Contact.unreachable_at.is_(None),
            Campaign.state.in_(RETRIED_CAMPAIGN_STATES),
        )
    )
    if phone_number_id is not None:
        query = query.where(Campaign.phone_number_id == phone_number_id)
    if campaign_id is not None:
        query = query.where(Send.campaign_id == campaign_id)
    return query


def due_deferred(
    session: Session,
    *,
    failed_before: datetime,
    phone_number_id: str | None = None,
    campaign_id: int | None = None,
    limit: int = 1000,
) -> list[DueSend]:
    """Deferred sends that failed before `failed_before`, oldest failure first, of contacts
    that are neither opted out nor unreachable (those are never retried), of running or
    completed campaigns. Walks the partial index of deferred sends only."""
    query = _due_query(failed_before, phone_number_id, campaign_id)
    rows = session.execute(query.order_by(Send.failed_at, Send.id).limit(limit)).all()
    retries = _retries(session, (row[0] for row in rows))
    return [
        DueSend(send_id, contact_id, phone, owner, retries.get(send_id, 0))
        for send_id, contact_id, phone, owner in rows
        if owner is not None
    ]


def count_due(session: Session, *, failed_before: datetime, campaign_id: int | None = None) -> int:
    """How many deferred sends :func:`due_deferred` would return without a limit."""
    query = _due_query(failed_before, None, campaign_id).subquery()
    return session.scalar(select(func.count()).select_from(query)) or 0


def numbers_with_due(
    session: Session, *, failed_before: datetime, campaign_id: int | None = None
) -> list[str]:
    """The business numbers whose campaigns have deferred sends due."""
    query = _due_query(failed_before, None, campaign_id).subquery()
    numbers = select(Campaign.phone_number_id).where(Campaign.id.in_(select(query.c.campaign_id)))
    return sorted(set(session.scalars(numbers)))


def claim_retries(session: Session, due: Sequence[DueSend], now: datetime) -> list[RetryClaim]:
    """Turn due deferred sends into claims for one more request; caller commits before any
    request goes out. Rows no longer deferred (another process took them) are skipped.

    The attempt being replaced moves to send_attempts; the send keeps its id and its pair,
    loses the old message id, statuses and error, and counts as requested (attempts = 1):
    after a crash the crash rule makes it `unknown`, never deletes it, so the pair is never
    released by a retry."""
    if not due:
        return []
    ids = sorted(d.send_id for d in due)
    sends = session.scalars(
        select(Send)
        .where(Send.id.in_(ids), Send.state == SendState.DEFERRED.value)
        .order_by(Send.id)
        .with_for_update()
    ).all()
    retries = _retries(session, ids)
    by_id = {d.send_id: d for d in due}
    claims: list[RetryClaim] = []
    for send in sends:
        attempt = retries.get(send.id, 0) + 1
        session.add(
            SendAttempt(
                send_id=send.id,
                attempt=attempt,
                message_id=send.message_id,
                status=send.status,
                error_code=send.error_code,
                error_title=send.error_title,
                claimed_at=send.claimed_at,
                failed_at=send.failed_at,
                retried_at=now,
            )
        )
        first_acceptance = send.accepted_at is None
        send.state = SendState.CLAIMED.value
        send.message_id = send.status = send.error_code = send.error_title = None
        send.sent_at = send.delivered_at = send.read_at = send.failed_at = None
        send.attempts = 1
        send.claimed_at = send.updated_at = now
        session.flush()  # the old message id leaves sends before another row could take it
        d = by_id[send.id]
        claims.append(
            RetryClaim(send.id, d.contact_id, d.phone, d.campaign_id, attempt + 1, first_acceptance)
        )
    return claims


def undo_retry(session: Session, send_ids: Sequence[int], now: datetime) -> int:
    """Claims of retries that surely reached nobody (throttled until the retries ran out, the
    campaign's template paused, the run stopped): back to `deferred` as they were, the
    earlier attempt restored, so the next check tries again. Returns how many."""
    undone = 0
    for send_id in sorted(send_ids):
        send = session.get(Send, send_id, with_for_update=True)
        if send is None or send.state != SendState.CLAIMED.value:
            continue
        previous = session.scalars(
            select(SendAttempt)
            .where(SendAttempt.send_id == send_id)
            .order_by(SendAttempt.attempt.desc())
            .limit(1)
        ).first()
        if previous is None:
            continue
        session.execute(delete(SendAttempt).where(SendAttempt.id == previous.id))
        session.flush()
        send.state = SendState.DEFERRED.value
        send.message_id, send.status = previous.message_id, previous.status
        send.error_code, send.error_title = previous.error_code, previous.error_title
        send.claimed_at, send.failed_at = previous.claimed_at, previous.failed_at
        send.updated_at = now
        undone += 1
    session.flush()
    return undone


def given_up_reason(title: str | None, attempts: int, max_retries: int) -> str:
    """The error text of a send that failed for good on 131049: it says why it stopped."""
    base = title or "not delivered to maintain healthy ecosystem engagement"
    if max_retries == 0:
        return f"{base} (not retried: RETRY_131049_MAX is 0)"
    return f"{base} (still capped after {attempts} attempts; RETRY_131049_MAX is {max_retries})"


def _used_up(
    session: Session,
    max_retries: int,
    *,
    campaign_id: int | None,
    send_ids: Sequence[int] | None,
    changed_since: datetime | None = None,
) -> list[int]:
    """Deferred sends with at least `max_retries` retries made: one query, no row loaded
    for the others (`serve` asks every few seconds)."""
    made = (
        select(func.count())
        .select_from(SendAttempt)
        .where(SendAttempt.send_id == Send.id)
        .scalar_subquery()
    )
    query = select(Send.id).where(Send.state == SendState.DEFERRED.value, made >= max_retries)
    if campaign_id is not None:
        query = query.where(Send.campaign_id == campaign_id)
    if send_ids is not None:
        query = query.where(Send.id.in_(sorted(send_ids)))
    if changed_since is not None:
        query = query.where(Send.updated_at >= changed_since)
    return sorted(session.scalars(query))


def fail_exhausted(
    session: Session,
    *,
    max_retries: int,
    now: datetime,
    campaign_id: int | None = None,
    send_ids: Sequence[int] | None = None,
    changed_since: datetime | None = None,
) -> int:
    """Deferred sends that used every allowed retry fail for good. With `changed_since` only
    those written since then are looked at (deferring a send sets `updated_at`), so a caller
    that checked all of them before need not again. One whose last attempt was accepted and
    then reported failed stays `accepted` with status failed (as any send a webhook reported
    failed); one refused at once becomes `failed` and is counted in its campaign's failures.
    Returns how many."""
    used_up = _used_up(
        session,
        max_retries,
        campaign_id=campaign_id,
        send_ids=send_ids,
        changed_since=changed_since,
    )
    if not used_up:
        return 0
    query = select(Send).where(Send.id.in_(used_up), Send.state == SendState.DEFERRED.value)
    sends = list(session.scalars(query.order_by(Send.id).with_for_update()))
    retries = _retries(session, (s.id for s in sends))
    done = 0
    for send in sends:
        used = retries.get(send.id, 0)
        if used < max_retries:
            continue
        send.error_title = given_up_reason(send.error_title, used + 1, max_retries)
        send.updated_at = now
        if send.message_id is not None:
            send.state = SendState.ACCEPTED.value
        else:
            send.state = SendState.FAILED.value
            if send.campaign_id is not None:
                reason = f"{send.error_code} {send.error_title}"
                campaign_store.add_counts(
                    session, send.campaign_id, now, failed=1, failures={reason: 1}
                )
        done += 1
    session.flush()
    return done


def earlier_attempts(session: Session, message_ids: Iterable[str]) -> dict[str, int]:
    """Message ids of superseded attempts → their send ids (for late status webhooks)."""
    ids = sorted(set(message_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(SendAttempt.message_id, SendAttempt.send_id).where(SendAttempt.message_id.in_(ids))
    )
    return {str(message_id): int(send_id) for message_id, send_id in rows}


def deferral_counts(session: Session, campaign_ids: Sequence[int]) -> dict[int, DeferralCounts]:
    """Deferred and retried counts per campaign, from the sends themselves: the one source
    for the API, the CLI and the panel."""
    found = dict.fromkeys(campaign_ids, DeferralCounts())
    if not campaign_ids:
        return found
    deferred: dict[int | None, tuple[int, int]] = {
        cid: (int(n), int(at_send))
        for cid, n, at_send in session.execute(
            select(Send.campaign_id, func.count(), func.count().filter(Send.accepted_at.is_(None)))
            .where(Send.campaign_id.in_(campaign_ids), Send.state == SendState.DEFERRED.value)
            .group_by(Send.campaign_id)
        )
    }
    retried = {
        cid: int(n)
        for cid, n in session.execute(
            select(Send.campaign_id, func.count())
            .join(SendAttempt, SendAttempt.send_id == Send.id)
            .where(Send.campaign_id.in_(campaign_ids))
            .group_by(Send.campaign_id)
        )
    }
    for cid in campaign_ids:
        n, at_send = deferred.get(cid, (0, 0))
        found[cid] = DeferralCounts(n, int(retried.get(cid, 0)), at_send)
    return found
