"""Sends: selection of eligible contacts, claims, answers, releases.

Never-twice rests on ``UNIQUE (template_name, contact_id)``: a claim is an INSERT that loses
silently (``ON CONFLICT DO NOTHING``) when another sender already holds the pair, and it is
committed before the HTTP request goes out. A released pair is a deleted row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wabroadcast.domain.ab_tests import BucketRange
from wabroadcast.domain.audience import Audience
from wabroadcast.domain.models import SendState
from wabroadcast.domain.retarget import Retarget
from wabroadcast.storage import ab_tests, audience_marks, retargets
from wabroadcast.storage import templates as template_store
from wabroadcast.storage.audiences import audience_conditions, walk_in_send_order
from wabroadcast.storage.releases import released_by
from wabroadcast.storage.tables import Campaign, Contact, SelectionMark, Send

WINDOW_STATES = (SendState.ACCEPTED.value, SendState.UNKNOWN.value, SendState.CLAIMED.value)
"""Sends that count against the daily recipient limit: those that reached (or may have
reached) Meta, and claims about to. Failed and released ones did not reach anybody."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A committed claim: this send may now be requested, once."""

    send_id: int
    contact_id: int
    phone: str | None
    user_id: str | None = None
    """The BSUID to send to (`recipient`) when the contact has no phone (migration 0011)."""


@dataclass(frozen=True, slots=True)
class Accepted:
    send_id: int
    message_id: str
    wa_id: str | None
    attempts: int
    held: bool = False
    """The answer said `held_for_quality_assessment` (or `paused`): a template under pacing."""
    endpoint: str = "messages"
    """The Cloud API endpoint that accepted it: `messages` or `marketing_messages`."""


@dataclass(frozen=True, slots=True)
class Failed:
    send_id: int
    contact_id: int
    code: int | None
    reason: str
    attempts: int


_SENDS = cast(Table, Send.__table__)
"""The answer batches write through Core statements built once: the ORM's bulk UPDATE by
primary key re-synchronised every row with the session (a tenth of the sender's CPU at
80 msg/s), and this session holds no Send objects to keep in step."""
_MARK_ACCEPTED = (
    update(_SENDS)
    .where(_SENDS.c.id == bindparam("b_id"))
    .values(
        state=SendState.ACCEPTED.value,
        message_id=bindparam("b_message_id"),
        wa_id=bindparam("b_wa_id"),
        attempts=bindparam("b_attempts"),
        endpoint=bindparam("b_endpoint"),
        accepted_at=bindparam("b_now"),
        updated_at=bindparam("b_now"),
        held=bindparam("b_held"),
        held_at=bindparam("b_held_at"),
    )
)
_MARK_FAILED = (
    update(_SENDS)
    .where(_SENDS.c.id == bindparam("b_id"))
    .values(
        state=SendState.FAILED.value,
        error_code=bindparam("b_code"),
        error_title=bindparam("b_title"),
        attempts=bindparam("b_attempts"),
        failed_at=bindparam("b_now"),
        updated_at=bindparam("b_now"),
    )
)


US_PREFIX = "+1"
"""Meta has not delivered MARKETING templates to US numbers since 2025-04-01: each send fails
later with 131049 and still counts toward the daily recipient limit. Phones are stored in
E.164, so a US (or other NANP) number is one that starts with +1."""


def skips_us(session: Session, template_name: str, *, marketing_to_us: bool = False) -> bool:
    """Whether US (+1) contacts are left out of this template's selection: it is a MARKETING
    template (as last synced) and MARKETING_TO_US is not set. Callers without settings get
    the safe answer: skip them."""
    if marketing_to_us:
        return False
    return template_store.category_of(session, template_name) == template_store.MARKETING


def eligible_contacts(
    session: Session,
    template_name: str,
    *,
    marketing_to_us: bool = False,
    audience: Audience | None = None,
    now: datetime | None = None,
    retarget: Retarget | None = None,
    narrow: BucketRange | None = None,
) -> Select[int, str | None]:
    """Contacts that never had a send of this template (any language), not opted out, not
    unreachable, not a US (+1) number when the template is MARKETING (see :data:`US_PREFIX`),
    in the original tool's order: imported `index`, then id; as (id, phone).

    The NOT EXISTS probes the unique (template_name, contact_id) index once per contact while
    walking ix_contacts_index_id, so LIMIT stops the walk early. An `audience` adds its
    per-contact probes (storage/audiences.py) to the same walk, and a `retarget` its
    condition (storage/retargets.py).
    """
    skip_us = skips_us(session, template_name, marketing_to_us=marketing_to_us)
    return (
        select(Contact.id, Contact.phone)
        .where(*_eligible(template_name, skip_us=skip_us))
        .where(*audience_conditions(session, audience, now))
        .where(*_retargeted(retarget, now))
        .where(*_narrowed(narrow))
        .order_by(Contact.index, Contact.id)
    )


def _narrowed(narrow: BucketRange | None) -> tuple[ColumnElement[bool], ...]:
    return () if narrow is None else (ab_tests.condition(narrow),)


def _retargeted(retarget: Retarget | None, now: datetime | None) -> tuple[ColumnElement[bool], ...]:
    return () if retarget is None else (retargets.condition(retarget, now),)


def _eligible(template_name: str, *, skip_us: bool) -> tuple[ColumnElement[bool], ...]:
    already = exists().where(Send.template_name == template_name, Send.contact_id == Contact.id)
    conditions: tuple[ColumnElement[bool], ...] = (
        Contact.opted_out_at.is_(None),
        Contact.unreachable_at.is_(None),
        ~already,
    )
    if skip_us:
        # A contact known only by BSUID has no number to tell: not skipped.
        conditions += (or_(Contact.phone.is_(None), ~Contact.phone.like(f"{US_PREFIX}%")),)
    return conditions


def lock_marks(session: Session) -> None:
    """PostgreSQL: hold off every writer that could invalidate a mark (their triggers need
    ROW EXCLUSIVE on selection_marks, then on audience_marks, in that order) until this
    transaction ends, so a mark computed here is never older than the data it describes.
    Also serializes claimers. SQLite: the caller's write lock already does both."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE selection_marks IN SHARE ROW EXCLUSIVE MODE"))
        session.execute(text("LOCK TABLE audience_marks IN SHARE ROW EXCLUSIVE MODE"))


def select_eligible(
    session: Session,
    template_name: str,
    limit: int,
    *,
    remember: bool = False,
    retry_of: int | None = None,
    marketing_to_us: bool = False,
    audience: Audience | None = None,
    now: datetime | None = None,
    retarget: Retarget | None = None,
    narrow: BucketRange | None = None,
) -> list[tuple[int, str | None]]:
    """The first `limit` eligible contacts as (id, phone).

    With `remember` (the claim transaction, holding lock_marks or SQLite's write lock) the
    walk starts at the template's selection mark and the mark moves to the first contact
    found: a daily drip does not re-walk the part of the list it already covered.
    A mark found while US numbers were skipped may have passed some of them, so a walk that
    takes them (MARKETING_TO_US, or the template is no longer MARKETING) ignores it.
    With `retry_of` only contacts that campaign released are taken (and no mark is moved);
    with `retarget` only the contacts of its campaign who did not read or reply in time
    (storage/retargets.py; no mark is moved either: the walk skips most of the list); with
    `narrow` only the contacts in an A/B test campaign's buckets (storage/ab_tests.py).
    An `audience` has marks of its own (storage/audience_marks.py): the first contact of an
    audience is not the first eligible one, so the template's mark is only read, never moved.
    An audience's mark moves to the last contact found, since `remember` is only used by the
    claim transaction, which claims them all.
    """
    skip_us = skips_us(session, template_name, marketing_to_us=marketing_to_us)
    narrowed = audience_conditions(session, audience, now)
    query = (
        select(Contact.id, Contact.phone, Contact.index)
        .where(*_eligible(template_name, skip_us=skip_us), *narrowed)
        .order_by(Contact.index, Contact.id)
    )
    if retry_of is not None:
        query, remember = query.where(released_by(retry_of, template_name)), False
    if retarget is not None:
        query, remember = query.where(*_retargeted(retarget, now)), False
    if narrow is not None:
        query, remember = query.where(*_narrowed(narrow)), False
    move_mark = remember and not narrowed
    dialect = session.get_bind().dialect.name
    unindexed = None
    if remember:
        row = session.execute(
            select(
                SelectionMark.contact_index, SelectionMark.contact_id, SelectionMark.skips_us
            ).where(SelectionMark.template_name == template_name)
        ).first()
        mark = (row[0], row[1], row[2]) if row is not None else None
        if narrowed:
            mark = audience_marks.read(session, template_name, audience, now) or mark
        if mark is not None and (skip_us or not mark[2]):
            after = tuple_(Contact.index, Contact.id) >= tuple_(mark[0], mark[1])
            # PostgreSQL sorts NULL indexes last, SQLite first (already behind the mark).
            if dialect == "postgresql" and narrowed:
                # `after OR index IS NULL` is no index condition: PostgreSQL walked from the
                # list's start (106,776 rows filtered before a pick at the 100,000th). So the
                # range, then the unindexed contacts (sorted last) if the range runs short.
                query, unindexed = query.where(after), query.where(Contact.index.is_(None))
            else:
                query = query.where(
                    or_(after, Contact.index.is_(None)) if dialect == "postgresql" else after
                )
    with walk_in_send_order(session, bool(narrowed)):
        rows = list(session.execute(query.limit(limit)).all())
        if unindexed is not None and len(rows) < limit:
            rows += session.execute(unindexed.limit(limit - len(rows))).all()
    if move_mark and rows and rows[0][2] is not None:
        _set_mark(session, template_name, (rows[0][2], rows[0][0], skip_us), dialect)
    elif remember and narrowed and audience is not None:
        # The claim transaction claims every contact returned, so the audience's mark may lie
        # at the last of them: a sparse audience's next pick does not walk this one's span.
        indexed = [(index, contact_id) for contact_id, _, index in rows if index is not None]
        if indexed:
            found = (indexed[-1][0], indexed[-1][1], skip_us)
            audience_marks.write(session, template_name, audience, found, now, dialect)
    return [(contact_id, phone) for contact_id, phone, _ in rows]


def _set_mark(
    session: Session, template_name: str, mark: tuple[int, int, bool], dialect: str
) -> None:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    index, contact_id, skip_us = mark
    values = {"contact_index": index, "contact_id": contact_id, "skips_us": skip_us}
    statement = insert(SelectionMark).values({"template_name": template_name, **values})
    session.execute(
        statement.on_conflict_do_update(index_elements=[SelectionMark.template_name], set_=values)
    )


def count_eligible(
    session: Session,
    template_name: str,
    *,
    at_most: int | None = None,
    retry_of: int | None = None,
    marketing_to_us: bool = False,
    audience: Audience | None = None,
    now: datetime | None = None,
    retarget: Retarget | None = None,
    narrow: BucketRange | None = None,
) -> int:
    """How many contacts are eligible; `at_most` bounds the walk (cheap on big lists)."""
    query = eligible_contacts(
        session,
        template_name,
        marketing_to_us=marketing_to_us,
        audience=audience,
        now=now,
        retarget=retarget,
        narrow=narrow,
    )
    return _count(session, query, template_name, at_most=at_most, retry_of=retry_of)


def count_skipped_us(
    session: Session,
    template_name: str,
    *,
    at_most: int | None = None,
    retry_of: int | None = None,
    marketing_to_us: bool = False,
    audience: Audience | None = None,
    now: datetime | None = None,
    retarget: Retarget | None = None,
    narrow: BucketRange | None = None,
) -> int:
    """US (+1) contacts left out only because the template is MARKETING (see
    :data:`US_PREFIX`): eligible by every other rule. 0 when nothing is skipped. Computed,
    not stored: once a campaign has ended, the ones it skipped are still exactly these."""
    if not skips_us(session, template_name, marketing_to_us=marketing_to_us):
        return 0
    query = select(Contact.id, Contact.phone).where(
        *_eligible(template_name, skip_us=False),
        *audience_conditions(session, audience, now),
        *_retargeted(retarget, now),
        *_narrowed(narrow),
        Contact.phone.like(f"{US_PREFIX}%"),
    )
    return _count(session, query, template_name, at_most=at_most, retry_of=retry_of)


def retarget_not_yet(
    session: Session,
    template_name: str,
    retarget: Retarget,
    now: datetime,
    *,
    marketing_to_us: bool = False,
) -> retargets.NotYet:
    """Contacts a retarget will take once their send is old enough, and from when."""
    skip_us = skips_us(session, template_name, marketing_to_us=marketing_to_us)
    return retargets.not_yet(session, retarget, now, *_eligible(template_name, skip_us=skip_us))


def _count(
    session: Session,
    query: Select[int, str | None],
    template_name: str,
    *,
    at_most: int | None,
    retry_of: int | None,
) -> int:
    query = query.order_by(None)
    if retry_of is not None:
        query = query.where(released_by(retry_of, template_name))
    if at_most is not None:
        query = query.limit(at_most)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def claim_contacts(
    session: Session,
    *,
    template_name: str,
    language: str,
    campaign_id: int | None,
    contacts: Sequence[tuple[int, str | None]],
    now: datetime,
) -> list[Claim]:
    """Insert claims; pairs another sender holds are skipped, not errors. Caller commits."""
    if not contacts:
        return []
    rows = [
        {
            "template_name": template_name,
            "contact_id": contact_id,
            "campaign_id": campaign_id,
            "language": language,
            "phone": phone,
            "state": SendState.CLAIMED.value,
            "attempts": 0,
            "claimed_at": now,
            "updated_at": now,
        }
        for contact_id, phone in contacts
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Rows as executemany parameters, not .values(rows): the statement then compiles once and
    # is cached ("insertmanyvalues" still sends one multi-row INSERT); inlined values were
    # recompiled on every batch, ~10% of the sender's CPU at 1,000 msg/s.
    statement = (
        insert(Send)
        .on_conflict_do_nothing(index_elements=[Send.template_name, Send.contact_id])
        .returning(Send.id, Send.contact_id, Send.phone)
    )
    claims = [
        Claim(send_id, contact_id, phone)
        for send_id, contact_id, phone in session.execute(statement, rows)
    ]
    order = {contact_id: i for i, (contact_id, _) in enumerate(contacts)}
    claims.sort(key=lambda claim: order[claim.contact_id])
    return _with_user_ids(session, claims)


def _with_user_ids(session: Session, claims: list[Claim]) -> list[Claim]:
    """Claims of contacts without a phone get the BSUID they are sent to."""
    ids = [claim.contact_id for claim in claims if claim.phone is None]
    if not ids:
        return claims
    query = select(Contact.id, Contact.user_id).where(Contact.id.in_(ids))
    user_ids: dict[int, str | None] = {row.id: row.user_id for row in session.execute(query)}
    return [
        Claim(c.send_id, c.contact_id, c.phone, user_ids.get(c.contact_id))
        if c.phone is None
        else c
        for c in claims
    ]


def newest_send_id(session: Session) -> int:
    """The highest send id (0 when there is none): sends are only inserted by claimers, which
    serialize, so every send inserted after this call has a higher id."""
    return session.scalar(select(func.max(Send.id))) or 0


def sends_after(session: Session, send_id: int, claimed_since: datetime) -> int:
    """At least how many sends were inserted since the highest id was `send_id` at the time
    `claimed_since`: those with a higher id (a primary-key range), and on SQLite also those
    with an id up to it claimed since then. SQLite hands out max(id) + 1, so once the newest
    claims are released (deleted) their ids come back; PostgreSQL never reuses one."""
    newer = select(func.count()).select_from(Send).where(Send.id > send_id)
    count = session.scalar(newer) or 0
    if session.get_bind().dialect.name == "sqlite":
        reused = (
            select(func.count())
            .select_from(Send)
            .where(Send.claimed_at >= claimed_since, Send.id <= send_id)
        )
        count += session.scalar(reused) or 0
    return count


def recipients_since(session: Session, since: datetime) -> int:
    """Unique contacts messaged (or about to be) since `since`, across all campaigns."""
    query = select(func.count(func.distinct(Send.contact_id))).where(
        Send.claimed_at >= since, Send.state.in_(WINDOW_STATES)
    )
    return session.scalar(query) or 0


def lock_sends(session: Session, send_ids: Sequence[int]) -> None:
    """PostgreSQL: lock these send rows in id order now, so writers that touch several sends
    (the answer recorder, the webhook processor) always queue in one order and never deadlock.
    SQLite's single write lock needs nothing."""
    if send_ids and session.get_bind().dialect.name == "postgresql":
        query = select(Send.id).where(Send.id.in_(sorted(set(send_ids))))
        session.execute(query.order_by(Send.id).with_for_update()).all()


def mark_accepted(session: Session, sends: Sequence[Accepted], now: datetime) -> None:
    if not sends:
        return
    rows = [
        {
            "b_id": send.send_id,
            "b_message_id": send.message_id,
            "b_wa_id": send.wa_id,
            "b_attempts": send.attempts,
            "b_endpoint": send.endpoint,
            "b_now": now,
            "b_held": send.held,
            "b_held_at": now if send.held else None,
        }
        for send in sends
    ]
    session.execute(_MARK_ACCEPTED, rows)


def mark_failed(session: Session, sends: Sequence[Failed], now: datetime) -> None:
    """A recipient-permanent error: the pair stays taken and the contact becomes unreachable,
    so no later campaign of any template selects it again (Cloud API 131026 and friends)."""
    if not sends:
        return
    rows = [
        {
            "b_id": send.send_id,
            "b_code": send.code,
            "b_title": send.reason,
            "b_attempts": send.attempts,
            "b_now": now,
        }
        for send in sends
    ]
    session.execute(_MARK_FAILED, rows)
    for send in sends:
        session.execute(
            update(Contact)
            .where(Contact.id == send.contact_id, Contact.unreachable_at.is_(None))
            .values(
                unreachable_at=now,
                unreachable_reason=f"{send.code}: {send.reason}"[:255],
                updated_at=now,
            )
        )


def mark_unknown(
    session: Session, send_ids: Sequence[int], now: datetime, *, attempts: int = 1
) -> None:
    """The request may have reached Meta: keep the pair taken, never re-send it by itself."""
    if not send_ids:
        return
    session.execute(
        update(Send)
        .where(Send.id.in_(send_ids), Send.state == SendState.CLAIMED.value)
        .values(state=SendState.UNKNOWN.value, attempts=attempts, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def release_claims(session: Session, send_ids: Sequence[int]) -> int:
    """Delete claims whose request surely did not reach Meta, so a later campaign may try.
    Only rows still `claimed` are deleted: an answer recorded meanwhile always wins."""
    if not send_ids:
        return 0
    result = session.execute(
        delete(Send)
        .where(Send.id.in_(send_ids), Send.state == SendState.CLAIMED.value)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def mark_requested(session: Session, send_ids: Sequence[int]) -> None:
    """attempts = 1 on claims about to be requested; committed before the first request."""
    if send_ids:
        session.execute(
            update(Send)
            .where(Send.id.in_(send_ids), Send.state == SendState.CLAIMED.value)
            .values(attempts=1)
            .execution_options(synchronize_session=False)
        )


def expire_stale_claims(
    session: Session, campaign_id: int, before: datetime, now: datetime
) -> tuple[int, int]:
    """Claims older than the in-flight window belong to a sender that died between claim and
    answer. Never announced for sending (attempts 0): released. Otherwise the request may have
    gone out: `unknown`, never re-sent. Returns (released, unknown)."""
    stale = and_(
        Send.campaign_id == campaign_id,
        Send.state == SendState.CLAIMED.value,
        Send.claimed_at < before,
    )
    released = session.execute(delete(Send).where(stale, Send.attempts == 0))
    unknown = session.execute(
        update(Send).where(stale).values(state=SendState.UNKNOWN.value, updated_at=now)
    )
    return int(released.rowcount), int(unknown.rowcount)  # type: ignore[attr-defined]


def list_unknown(session: Session, *, limit: int = 100) -> list[Send]:
    query = (
        select(Send)
        .where(Send.state == SendState.UNKNOWN.value)
        .order_by(Send.claimed_at, Send.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _unknown_condition(
    *, before: datetime | None, template_name: str | None, campaign_id: int | None
) -> ColumnElement[bool]:
    condition = Send.state == SendState.UNKNOWN.value
    if before is not None:
        condition = and_(condition, Send.claimed_at < before)
    if template_name is not None:
        condition = and_(condition, Send.template_name == template_name)
    if campaign_id is not None:
        condition = and_(condition, Send.campaign_id == campaign_id)
    return condition


def count_unknown(
    session: Session, *, before: datetime | None = None, campaign_id: int | None = None
) -> int:
    """Unknown sends (of one campaign, claimed before `before` when given)."""
    condition = _unknown_condition(before=before, template_name=None, campaign_id=campaign_id)
    query = select(func.count()).select_from(Send).where(condition)
    return session.scalar(query) or 0


def release_unknown(
    session: Session,
    *,
    before: datetime,
    template_name: str | None = None,
    campaign_id: int | None = None,
) -> int:
    """The user's deliberate choice: forget `unknown` sends claimed before `before`, so a
    later campaign may send them again (accepting the risk that the first one arrived).

    Each campaign's unknown count drops by what was released from it, in the same
    transaction, so its page never counts sends that no longer exist."""
    condition = _unknown_condition(
        before=before, template_name=template_name, campaign_id=campaign_id
    )
    released = session.execute(delete(Send).where(condition).returning(Send.campaign_id))
    owners = list(released.scalars())
    per_campaign = Counter(owner for owner in owners if owner is not None)
    for owner, count in sorted(per_campaign.items()):
        session.execute(
            update(Campaign)
            .where(Campaign.id == owner)
            .values(unknown_count=Campaign.unknown_count - count)
            .execution_options(synchronize_session=False)
        )
    return len(owners)


def campaign_sends(session: Session, campaign_id: int) -> list[Send]:
    query = select(Send).where(Send.campaign_id == campaign_id).order_by(Send.id)
    return list(session.scalars(query))
