"""Database tables, one class per noun. The names here are the names everywhere.

The product's promise lives in :class:`Send`: ``UNIQUE (template_name, contact_id)`` means a
template reaches a contact at most once, whatever crashes, retries or second processes do.
The template's language is deliberately not part of the pair: the original tool keyed its
history by template name alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from wabroadcast.domain.search import fold

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on SQLite too (which stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# BIGINT primary keys on PostgreSQL; SQLite needs plain INTEGER for rowid aliasing.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


def _search_key(context: DefaultExecutionContext) -> str:
    """`search_key` of a row inserted without one: Core and ORM inserts alike, per row."""
    parameters: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return fold(parameters.get("name"))


class Contact(Base):
    """A person we may message. `phone` is E.164; `index` is the original tool's send order.

    A contact has a phone, a BSUID (`user_id`), or both (migration 0011): users with a
    username may reach us without a number. `wa_id`/`user_id` are the ids Meta uses now; every
    one ever seen is in :class:`ContactIdentity`, so a late webhook with an old id still finds
    the contact.

    `search_key` is the name folded for search (:func:`wabroadcast.domain.search.fold`).
    Inserts fill it from `name` when not given; ORM assignments to `name` refresh it; the
    import's upsert (`storage.contacts.ContactWriter`) writes it with the name.
    """

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_index_id", "index", "id"),
        Index("ix_contacts_search_key", "search_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    search_key: Mapped[str] = mapped_column(Text, default=_search_key, server_default="")
    index: Mapped[int | None] = mapped_column(BigInteger)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    wa_id: Mapped[str | None] = mapped_column(String(32), index=True)
    user_id: Mapped[str | None] = mapped_column(String(160), index=True)
    opted_out_at: Mapped[datetime | None]
    opt_out_reason: Mapped[str | None] = mapped_column(String(64))
    unreachable_at: Mapped[datetime | None]
    unreachable_reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @validates("name")
    def _refresh_search_key(self, _key: str, name: str | None) -> str | None:
        self.search_key = fold(name)
        return name


class ContactIdentity(Base):
    """A `wa_id` or BSUID Meta used for a contact, kept after it changes (migration 0011).

    UNIQUE (kind, value): an id belongs to one contact. When a webhook shows that two contacts
    are one person, they are merged (`storage.identities.merge_contacts`) before anything is
    claimed for them again.
    """

    __tablename__ = "contact_identities"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # "wa_id" or "user_id"
    value: Mapped[str] = mapped_column(String(160))
    first_seen_at: Mapped[datetime]
    replaced_at: Mapped[datetime | None]
    """When Meta reported a newer id of this kind for the contact (NULL: current)."""


class Tag(Base):
    """A label on contacts (migration 0017). `key` makes `VIP` and `vip` one tag
    (:func:`wabroadcast.domain.audience.tag_key`); `name` is the first spelling seen."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class ContactTag(Base):
    """A contact carries a tag. The primary key (contact_id, tag_id) is what the selection
    probes per contact while walking send order; (tag_id, contact_id) counts and lists a
    tag's contacts."""

    __tablename__ = "contact_tags"
    __table_args__ = (Index("ix_contact_tags_tag_id_contact_id", "tag_id", "contact_id"),)

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class Template(Base):
    """An approved (or not) message template in one language, as synced from the WABA."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("name", "language"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(32))
    parameter_format: Mapped[str | None] = mapped_column(String(16))
    components: Mapped[list[Any]] = mapped_column(JSON, default=list)
    meta_id: Mapped[str | None] = mapped_column(String(64))
    quality_score: Mapped[str | None] = mapped_column(String(16))
    synced_at: Mapped[datetime]


class Campaign(Base):
    """One run of a template to up to `requested_limit` eligible contacts."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    template_name: Mapped[str] = mapped_column(String(512), index=True)
    language: Mapped[str] = mapped_column(String(16))
    phone_number_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    requested_limit: Mapped[int] = mapped_column(Integer)
    eligible_count: Mapped[int] = mapped_column(Integer, default=0)
    selected_count: Mapped[int] = mapped_column(Integer, default=0)
    accepted_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    unknown_count: Mapped[int] = mapped_column(Integer, default=0)
    held_back_count: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Failed sends by reason, including released ones: {"131026 undeliverable": 3}."""
    error: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    """What a run wants a person to know that is not an error (a route fallback, say)."""
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    retry_of_campaign_id: Mapped[int | None] = mapped_column(BigId)
    """A "retry failed" follow-up: selects only contacts that campaign released (send_releases)."""
    retarget_of_campaign_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("campaigns.id"))
    """A retarget (domain/retarget.py, migration 0022): selects only contacts of that campaign
    who did not read or reply to its send within ``retarget_after_days`` days."""
    retarget_when: Mapped[str | None] = mapped_column(String(16))
    """``not-read`` or ``not-replied`` (RetargetWhen); NULL unless a retarget."""
    retarget_after_days: Mapped[int | None] = mapped_column(Integer)
    audience: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Who it is for (domain/audience.py, migration 0017); NULL: every contact."""
    ab_test_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ab_tests.id"), index=True)
    """A variant or the winner's campaign of an A/B test (domain/ab_tests.py, migration 0024):
    it selects only the contacts whose bucket belongs to its variant."""
    ab_variant: Mapped[str | None] = mapped_column(String(8))
    """``A``…``E`` for a variant, ``winner`` for the rest; NULL outside a test."""
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class AbTest(Base):
    """An A/B test of templates (domain/ab_tests.py): one campaign per variant over its share
    of the audience, then the winner's campaign to the rest."""

    __tablename__ = "ab_tests"
    __table_args__ = (Index("ix_ab_tests_state_decide_at", "state", "decide_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    metric: Mapped[str] = mapped_column(String(16))
    """``read`` or ``reply`` (AbMetric)."""
    share_percent: Mapped[int] = mapped_column(Integer)
    """Each variant's share of the audience, 1 to 50."""
    decide_after_hours: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    """testing, deciding, sending_winner, done or cancelled (AbTestState)."""
    templates: Mapped[list[str]] = mapped_column(JSON)
    """The variants' templates in letter order: templates[0] is variant A."""
    language: Mapped[str | None] = mapped_column(String(16))
    """The language asked for; NULL: each template's only language."""
    phone_number_id: Mapped[str] = mapped_column(String(64))
    audience: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Who the test is for (domain/audience.py); NULL: every contact."""
    requested_limit: Mapped[int | None] = mapped_column(Integer)
    """At most this many contacts over the variants and the rest; NULL: no limit."""
    winner_variant: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    """Why a decided test has no winner (nobody was sent), or what the decision saw."""
    created_at: Mapped[datetime]
    decide_at: Mapped[datetime]
    """created_at + decide_after_hours: when serve's periodic check decides it."""
    decided_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class Send(Base):
    """One template to one contact: claimed before the request, then accepted/failed/unknown.

    `state` is our side (claimed, accepted, failed, unknown); `status` is Meta's side from
    webhooks (sent, delivered, read, failed), never moving backwards.
    """

    __tablename__ = "sends"
    __table_args__ = (
        UniqueConstraint("template_name", "contact_id"),
        Index("ix_sends_campaign_id_state", "campaign_id", "state"),
        Index("ix_sends_contact_id_claimed_at", "contact_id", "claimed_at"),
        Index("ix_sends_claimed_at", "claimed_at"),
        Index("ix_sends_accepted_at", "accepted_at"),
        Index(
            "ix_sends_deferred_failed_at",
            "failed_at",
            sqlite_where=text("state = 'deferred'"),
            postgresql_where=text("state = 'deferred'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    template_name: Mapped[str] = mapped_column(String(512))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    language: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(20))
    """NULL for a contact known only by BSUID: the send went to `recipient` (migration 0011)."""
    state: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    wa_id: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(16))
    pricing_category: Mapped[str | None] = mapped_column(String(32))
    endpoint: Mapped[str | None] = mapped_column(String(24))
    """Cloud API endpoint of the accepted request: `messages` or `marketing_messages`."""
    pricing_type: Mapped[str | None] = mapped_column(String(32))
    """``pricing.type`` of its status webhooks: ``regular`` is charged (migration 0015)."""
    claimed_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    held: Mapped[bool] = mapped_column(Boolean, server_default=false())
    """Meta holds the message (template under pacing) and no status has come yet. Only a
    server default: the history import's prepared INSERT names its columns itself."""
    held_at: Mapped[datetime | None]
    """When the send answer said held; kept after a status released or dropped it."""


class SendAttempt(Base):
    """An earlier request of a send that was retried (migration 0012): the send row holds the
    latest attempt; this keeps each superseded one with its message id, so a late status
    webhook of an old attempt is recorded for the send but never applied to the new one."""

    __tablename__ = "send_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    send_id: Mapped[int] = mapped_column(ForeignKey("sends.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    """1 for the first request, 2 for the first retry's, …"""
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime]
    failed_at: Mapped[datetime | None]
    retried_at: Mapped[datetime]


class SendRelease(Base):
    """A send deleted after its retries ran out on a retryable error: the pair is free again,
    and this row says whom "retry failed" should try (migration 0005)."""

    __tablename__ = "send_releases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    template_name: Mapped[str] = mapped_column(String(512))
    error_code: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(255))
    released_at: Mapped[datetime]


class StatusEvent(Base):
    """One status webhook fact; (message_id, status) makes redelivery harmless."""

    __tablename__ = "status_events"
    __table_args__ = (UniqueConstraint("message_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    send_id: Mapped[int | None] = mapped_column(
        ForeignKey("sends.id", ondelete="SET NULL"), index=True
    )
    recipient_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(160))
    callback_data: Mapped[str | None] = mapped_column(String(512))
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(Text)
    pricing_category: Mapped[str | None] = mapped_column(String(32))
    pricing_type: Mapped[str | None] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    webhook_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="SET NULL"), index=True
    )


class Reply(Base):
    """An inbound message from a contact (text, quick-reply button, interactive reply)."""

    __tablename__ = "replies"
    __table_args__ = (
        Index("ix_replies_received_at", "received_at"),
        Index("ix_replies_send_id", "send_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    phone: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(160))
    type: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(String(512))
    context_message_id: Mapped[str | None] = mapped_column(String(255))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    send_id: Mapped[int | None] = mapped_column(ForeignKey("sends.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    webhook_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="SET NULL"), index=True
    )


class OptOut(Base):
    """Every opt-out and opt-in, with its reason and time (the contact row holds the state)."""

    __tablename__ = "opt_outs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(8))  # "stop" or "resume"
    reason: Mapped[str] = mapped_column(String(255))
    occurred_at: Mapped[datetime]


class WebhookEvent(Base):
    """The raw webhook log: every signed body, stored before it is processed."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_processed_at", "processed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(64))
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class Schedule(Base):
    """A daily drip: `daily_count` contacts get the template at `time_of_day` in `time_zone`."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    template_name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(16))
    daily_count: Mapped[int] = mapped_column(Integer)
    time_of_day: Mapped[str] = mapped_column(String(5))  # "HH:MM", local to time_zone
    time_zone: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[str | None] = mapped_column(String(5))
    window_end: Mapped[str | None] = mapped_column(String(5))
    window_time_zone: Mapped[str | None] = mapped_column(String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    audience: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Each day's campaign takes this audience (migration 0017); NULL: every contact."""
    state: Mapped[str] = mapped_column(String(16), index=True)
    last_run_on: Mapped[date | None] = mapped_column(Date)
    next_run_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ScheduleRun(Base):
    """One local day of a schedule; UNIQUE (schedule_id, run_date) lets one process claim it."""

    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("schedule_id", "run_date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    run_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class SelectionMark(Base):
    """Where the next selection of a template may start: every contact before
    (contact_index, contact_id) in send order is known not to be eligible for it.

    Saves re-walking the contacts a daily drip already covered. Database triggers
    (migration 0004) delete the marks whenever a contact could become eligible again: a send
    is deleted (released), a contact is added, re-indexed, opted back in or made reachable.
    """

    __tablename__ = "selection_marks"

    template_name: Mapped[str] = mapped_column(String(512), primary_key=True)
    contact_index: Mapped[int] = mapped_column(BigInteger)
    contact_id: Mapped[int] = mapped_column(BigInteger)
    skips_us: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Found while US (+1) numbers were skipped (migration 0009): some of them may lie before
    it, so a selection that takes them does not use it."""


class AudienceMark(Base):
    """:class:`SelectionMark` for one audience of a template (migration 0017): every contact
    before (contact_index, contact_id) is known not to be eligible for the template in this
    audience. `audience_key` identifies the audience (storage/audience_marks.py).

    Triggers delete these marks whenever a contact before one could enter an audience: all
    of :class:`SelectionMark`'s reasons, and a tag added or removed, a name or attributes
    changed, a reply deleted. A reply ageing out of `exclude_replied_days` changes no row, so
    such a mark carries `valid_until`: when the oldest reply it counted leaves the window.
    """

    __tablename__ = "audience_marks"

    template_name: Mapped[str] = mapped_column(String(512), primary_key=True)
    audience_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact_index: Mapped[int] = mapped_column(BigInteger)
    contact_id: Mapped[int] = mapped_column(BigInteger)
    skips_us: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    valid_until: Mapped[datetime | None]


class SenderLease(Base):
    """Which process may send from a business phone number, until `expires_at` (migration
    0006). The holder renews it every few seconds; a holder that stops renewing is dead, and
    another process may take the number over once the lease has expired."""

    __tablename__ = "sender_leases"

    phone_number_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    campaign_id: Mapped[int | None] = mapped_column(BigInteger)
    """The campaign the holder is sending (migration 0008); NULL on older rows."""


class SenderProcess(Base):
    """A live `wabroadcast serve` process (migration 0010), renewed like a lease, so each
    server takes its share of the busy numbers and leaves the rest to the others."""

    __tablename__ = "sender_processes"

    process_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class BusinessNumberLimit(Base):
    """What Meta's account webhooks last said about a business number (migration 0016).

    `number` is the display phone number in digits, as ``phone_number_quality_update`` names
    it, or ``portfolio`` for the business portfolio's messaging limit, which every number
    shares since 2025-10-07. Each value keeps the webhook time it came from: an older event,
    delivered late or again, changes nothing.
    """

    __tablename__ = "business_number_limits"

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    phone_number_id: Mapped[str | None] = mapped_column(String(64))
    """Learned from the Graph API when a run starts; NULL until then."""
    throughput_level: Mapped[str | None] = mapped_column(String(16))
    throughput_at: Mapped[datetime | None]
    daily_limit: Mapped[int | None] = mapped_column(Integer)
    """Unique recipients per rolling 24 h; -1 is unlimited (Meta's own encoding)."""
    daily_limit_at: Mapped[datetime | None]
    quality_event: Mapped[str | None] = mapped_column(String(32))
    quality_event_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class TemplateCategoryUpdate(Base):
    """The last ``template_category_update`` of a template (migration 0016): a completed
    change (the templates table's category is updated with it) and an impending one."""

    __tablename__ = "template_category_updates"

    name: Mapped[str] = mapped_column(String(512), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    previous_category: Mapped[str | None] = mapped_column(String(32))
    new_category: Mapped[str | None] = mapped_column(String(32))
    changed_at: Mapped[datetime | None]
    correct_category: Mapped[str | None] = mapped_column(String(32))
    takes_effect_at: Mapped[datetime | None]
    noticed_at: Mapped[datetime | None]
