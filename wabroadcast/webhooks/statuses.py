"""Status webhooks → ``status_events`` facts and the send's delivery status.

Rules from the Cloud API (see docs/webhooks.md):
- redelivery is normal, so ``UNIQUE (message_id, status)`` turns a duplicate into a no-op;
- updates arrive out of order and ``delivered`` may be skipped when a message is read at
  once, so the status only moves forward (sent < failed < delivered < read) while every
  stage keeps its own time, whatever order the events came in;
- a status may arrive before the engine has stored the message id (the webhook can beat the
  HTTP response's commit), or for a send whose HTTP response was lost (state ``unknown``).
  The first kind is kept with ``send_id`` NULL and linked later; the second is found through
  ``biz_opaque_callback_data`` = ``s=<send_id>;c=<campaign_id>``.

A body's statuses are applied together (one lookup of their sends, one multi-row insert):
Meta batches up to 1,000 statuses per POST and expects ~3× the send rate in webhooks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wabroadcast.domain.models import DELIVERY_RANK, SendState
from wabroadcast.storage.deferred import defer_if_capped, earlier_attempts
from wabroadcast.storage.identities import remember_many as remember_many_ids
from wabroadcast.storage.optouts import STOP, mark_unreachable, record_opt_change
from wabroadcast.storage.send_status import SendStatus, by_message_ids, save
from wabroadcast.storage.sends import lock_sends
from wabroadcast.storage.tables import Campaign, Contact, Send, StatusEvent
from wabroadcast.storage.webhook_events import insert_many_ignoring_duplicates
from wabroadcast.webhooks.held_drops import is_held_drop, pause_for_dropped
from wabroadcast.webhooks.parse import StatusUpdate

STAGE_COLUMNS = {
    "sent": "sent_at",
    "delivered": "delivered_at",
    "read": "read_at",
    "failed": "failed_at",
}
UNDELIVERABLE = 131026
STOPPED_MARKETING = 131050


class StatusFact(Protocol):
    """What a status carries, whether fresh from a webhook or stored in status_events."""

    @property
    def message_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def recipient_id(self) -> str | None: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def callback_data(self) -> str | None: ...
    @property
    def error_code(self) -> int | None: ...
    @property
    def error_title(self) -> str | None: ...
    @property
    def pricing_category(self) -> str | None: ...
    @property
    def pricing_type(self) -> str | None: ...


def parse_callback(data: str | None) -> tuple[int, int | None] | None:
    """``"s=17;c=3"`` → (17, 3). Other apps' callback strings → None."""
    if not data:
        return None
    parts: dict[str, str] = {}
    for piece in data.split(";"):
        key, sep, value = piece.partition("=")
        if sep:
            parts[key.strip()] = value.strip()
    send_id, campaign_id = parts.get("s", ""), parts.get("c", "")
    if not send_id.isdigit() or len(send_id) > 18:
        return None
    campaign_ok = campaign_id.isdigit() and len(campaign_id) <= 18
    return int(send_id), int(campaign_id) if campaign_ok else None


def _row(status: StatusUpdate, send_id: int | None, webhook_event_id: int | None) -> dict[str, Any]:
    return {
        "message_id": status.message_id,
        "status": status.status,
        "send_id": send_id,
        "recipient_id": (status.recipient_id or "")[:32] or None,
        "user_id": (status.user_id or "")[:160] or None,
        "callback_data": status.callback_data,
        "error_code": status.error_code,
        "error_title": status.error_title,
        "pricing_category": (status.pricing_category or "")[:32] or None,
        "pricing_type": (status.pricing_type or "")[:32] or None,
        "occurred_at": status.occurred_at,
        "webhook_event_id": webhook_event_id,
    }


def record_statuses(
    session: Session,
    statuses: Sequence[StatusUpdate],
    *,
    webhook_event_id: int | None,
    now: datetime,
) -> int:
    """Store a body's status facts and apply the new ones to their sends; returns how many."""
    return record_statuses_of_bodies(session, [(s, webhook_event_id) for s in statuses], now=now)


def record_statuses_of_bodies(
    session: Session, items: Sequence[tuple[StatusUpdate, int | None]], *, now: datetime
) -> int:
    """:func:`record_statuses` for the statuses of several bodies, each with its body's id, in
    the order received: one lookup, one insert and one flush for all of them (single-status
    bodies, as Meta often sends, would otherwise cost a round of statements each)."""
    first = {(s.message_id, s.status): (s, event) for s, event in reversed(items)}
    unique = [s for s, _ in reversed(first.values())]
    event_of = {key: event for key, (_, event) in first.items()}
    if not unique:
        return 0
    sends = by_message_ids(session, {s.message_id for s in unique})
    # Statuses of a retried send's earlier attempts: recorded for it, never applied to it.
    earlier = earlier_attempts(session, {s.message_id for s in unique} - sends.keys())
    # Sends found by callback data may be rows the engine is marking accepted this very
    # moment: lock them all at once in id order (as the engine does) before touching any.
    lock_sends(session, _callback_targets(s for s in unique if s.message_id not in sends))
    reconciled: list[str] = []
    for status in unique:
        if status.message_id not in sends and status.message_id not in earlier:
            send = _reconcile_unknown_send(session, status, now=now)
            if send is not None:
                sends[status.message_id] = send
                reconciled.append(status.message_id)
    rows = [
        _row(
            s,
            sends[s.message_id].id if s.message_id in sends else earlier.get(s.message_id),
            event_of[(s.message_id, s.status)],
        )
        for s in unique
    ]
    new = insert_many_ignoring_duplicates(session, StatusEvent, rows, ["message_id", "status"])
    applied: list[StatusFact] = [
        s for s in unique if (s.message_id, s.status) in new and s.message_id in sends
    ]
    for message_id in reconciled:  # facts stored before the send was known
        for orphan in _orphans_of(session, message_id):
            orphan.send_id = sends[message_id].id
            applied.append(orphan)
    _apply(session, [(sends[f.message_id], f) for f in applied], now=now)
    return len(new)


def _callback_targets(facts: Iterable[StatusFact]) -> list[int]:
    return [target[0] for fact in facts if (target := parse_callback(fact.callback_data))]


def _orphans_of(session: Session, message_id: str) -> list[StatusEvent]:
    query = select(StatusEvent).where(
        StatusEvent.message_id == message_id, StatusEvent.send_id.is_(None)
    )
    return list(session.scalars(query.order_by(StatusEvent.id)))


def _reconcile_unknown_send(
    session: Session, fact: StatusFact, *, now: datetime
) -> SendStatus | None:
    """A send whose HTTP outcome was lost: Meta's status proves it was accepted."""
    target = parse_callback(fact.callback_data)
    if target is None:
        return None
    send_id, campaign_id = target
    send = session.get(Send, send_id, with_for_update=True)
    if send is None or send.state != SendState.UNKNOWN or send.message_id is not None:
        return None
    if earlier_attempts(session, [fact.message_id]):  # an old attempt's id: not this one's
        return None
    if campaign_id is not None and send.campaign_id != campaign_id:
        return None
    send.state = SendState.ACCEPTED.value
    send.message_id = fact.message_id
    send.accepted_at = send.accepted_at or send.claimed_at
    send.updated_at = now
    session.flush()
    if send.campaign_id is not None:
        session.execute(
            update(Campaign)
            .where(Campaign.id == send.campaign_id)
            .values(
                unknown_count=Campaign.unknown_count - 1,
                accepted_count=Campaign.accepted_count + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    return SendStatus.of(send)


def _apply(
    session: Session, pairs: Sequence[tuple[SendStatus, StatusFact]], *, now: datetime
) -> None:
    """Merge facts into their sends (in memory, in order; one UPDATE writes the sends that
    changed), then update contacts (ids seen, failures)."""
    identities: dict[int, tuple[str | None, str | None]] = {}
    for send, fact in pairs:
        if _merge(send, fact) | defer_if_capped(send, fact.error_code, fact.status):
            send.updated_at = now
            send.changed = True
        if fact.recipient_id or fact.user_id:
            identities[send.contact_id] = (fact.recipient_id, fact.user_id)
    save(session, (send for send, _ in pairs))
    merged = _record_identities(session, identities, now=now)
    for send, fact in pairs:
        if fact.status == "failed":
            contact_id = merged.get(send.contact_id, send.contact_id)
            _apply_failure_to_contact(session, contact_id, fact, now=now)
    dropped = [
        send.campaign_id for send, fact in pairs if is_held_drop(fact.status, fact.error_code)
    ]
    if dropped:
        pause_for_dropped(session, dropped, now=now)


def _merge(send: SendStatus, fact: StatusFact) -> bool:
    """Keep each stage's earliest time; move the status forward only. True if changed."""
    changed = False
    column = STAGE_COLUMNS.get(fact.status)
    if column is not None:
        current: datetime | None = getattr(send, column)
        if current is None or fact.occurred_at < current:
            setattr(send, column, fact.occurred_at)
            changed = True
    if send.held and column is not None:  # Meta sent it on, or dropped it; held_at stays
        send.held = False
        changed = True
    if DELIVERY_RANK.get(fact.status, 0) > DELIVERY_RANK.get(send.status or "", 0):
        send.status = fact.status
        changed = True
    error = (fact.error_code, fact.error_title)
    is_new_error = fact.error_code is not None and (send.error_code, send.error_title) != error
    if fact.status == "failed" and is_new_error:
        send.error_code, send.error_title = error
        changed = True
    if fact.pricing_category and send.pricing_category != fact.pricing_category:
        send.pricing_category = fact.pricing_category
        changed = True
    if fact.pricing_type and send.pricing_type != fact.pricing_type:
        send.pricing_type = fact.pricing_type
        changed = True
    if fact.recipient_id and send.wa_id is None and len(fact.recipient_id) <= 32:
        send.wa_id = fact.recipient_id
        changed = True
    return changed


def _record_identities(
    session: Session, identities: dict[int, tuple[str | None, str | None]], *, now: datetime
) -> dict[int, int]:
    """Store the wa_id and BSUID Meta reported; one query finds the contacts with news.
    Returns the contacts merged into another (their old id → the id kept)."""
    merged: dict[int, int] = {}
    if not identities:
        return merged
    session.flush()  # the query below is Core: it does not autoflush
    current = (
        session.connection()
        .execute(
            select(Contact.id, Contact.wa_id, Contact.user_id).where(
                Contact.id.in_(sorted(identities))
            )
        )
        .all()
    )
    news = {
        contact_id: identities[contact_id]
        for contact_id, wa_id, user_id in current
        if (identities[contact_id][0] or wa_id, identities[contact_id][1] or user_id)
        != (wa_id, user_id)
    }
    merged.update(remember_many_ids(session, news, now=now))
    return merged


def _apply_failure_to_contact(
    session: Session, contact_id: int, fact: StatusFact, *, now: datetime
) -> None:
    """131026: the number cannot get WhatsApp messages. 131050: the user stopped marketing."""
    title = fact.error_title or ""
    if fact.error_code == UNDELIVERABLE:
        reason = f"{UNDELIVERABLE} {title}".strip()
        mark_unreachable(session, contact_id, reason=reason, occurred_at=fact.occurred_at, now=now)
    elif fact.error_code == STOPPED_MARKETING:
        record_opt_change(
            session,
            contact_id,
            action=STOP,
            reason=f"error {STOPPED_MARKETING}",
            occurred_at=fact.occurred_at,
            now=now,
        )


def link_orphans(session: Session, *, now: datetime, limit: int = 2000) -> int:
    """Link status facts stored before their send was known; returns how many were linked.

    Only the ``limit`` most recent unlinked facts are looked at: statuses of messages another
    tool sent from the same number stay unlinked for good and must not make every pass
    slower. A fact waiting for the engine's commit is linked within seconds, long before it
    could fall out of that window.
    """
    recent = session.execute(
        select(StatusEvent.id, StatusEvent.message_id, StatusEvent.callback_data)
        .where(StatusEvent.send_id.is_(None))
        .order_by(StatusEvent.id.desc())
        .limit(limit)
    ).all()
    if not recent:
        return 0
    sends = by_message_ids(session, {row.message_id for row in recent})
    linked = _link(session, sends, [row.id for row in reversed(recent)], now=now)
    by_callback = {
        target[0]: row
        for row in reversed(recent)
        if row.message_id not in sends and (target := parse_callback(row.callback_data))
    }
    unknown = (
        set(
            session.scalars(
                select(Send.id).where(
                    Send.id.in_(sorted(by_callback)),
                    Send.state == SendState.UNKNOWN.value,
                    Send.message_id.is_(None),
                )
            )
        )
        if by_callback
        else set()
    )
    for send_id in sorted(unknown):
        event = session.get(StatusEvent, by_callback[send_id].id)
        if event is None or event.send_id is not None:
            continue
        send = _reconcile_unknown_send(session, event, now=now)
        if send is not None:
            orphans = _orphans_of(session, send.message_id or "")
            linked += _link(session, {event.message_id: send}, [o.id for o in orphans], now=now)
    return linked


def _link(
    session: Session, sends: dict[str, SendStatus], event_ids: Sequence[int], *, now: datetime
) -> int:
    """Attach unlinked facts to the sends of their message ids, applying them in id order."""
    events = session.scalars(
        select(StatusEvent)
        .where(StatusEvent.id.in_(list(event_ids)), StatusEvent.send_id.is_(None))
        .order_by(StatusEvent.id)
    ).all()
    pairs: list[tuple[SendStatus, StatusFact]] = []
    for event in events:
        send = sends.get(event.message_id)
        if send is not None:
            event.send_id = send.id
            pairs.append((send, event))
    _apply(session, pairs, now=now)
    return len(pairs)
