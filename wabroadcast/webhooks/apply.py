"""Apply parsed webhook events to the database, idempotently.

Every fact has a natural key Meta repeats on redelivery: statuses (message_id, status), inbound
messages their message id, opt-out changes (contact, action, reason, time). Applying the same
body twice, or a batch in any order, ends in the same state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from wabroadcast.config import Settings
from wabroadcast.storage.optouts import RESUME, STOP, record_opt_change
from wabroadcast.storage.replies import (
    ReplyTarget,
    insert_reply,
    latest_send_to,
    send_by_message_id,
)
from wabroadcast.storage.tables import Template
from wabroadcast.webhooks.account_apply import apply_account_update
from wabroadcast.webhooks.contacts import (
    create_bsuid_contact,
    create_opted_out_contact,
    find_contact_id,
    record_identity,
)
from wabroadcast.webhooks.identity_changes import apply_identity_change, contact_of_change
from wabroadcast.webhooks.optouts import KeywordRules, normalize_keyword, split_keywords
from wabroadcast.webhooks.parse import (
    InboundMessage,
    ParsedWebhook,
    PreferenceChange,
    TemplateStatusChange,
)
from wabroadcast.webhooks.statuses import record_statuses
from wabroadcast.webhooks.template_pause import pause_campaigns_of

REPLY_TIME_RESOLUTION = timedelta(seconds=1)
"""Inbound message `timestamp`s are whole Unix seconds."""
KEYWORD_TYPES = frozenset({"text", "button"})
"""Typed text and template quick-reply buttons (a "Stop promotions" button) can opt out."""

TEMPLATE_EVENT_STATUS = {
    "APPROVED": "APPROVED",
    "REJECTED": "REJECTED",
    "PENDING": "PENDING",
    "PAUSED": "PAUSED",
    "DISABLED": "DISABLED",
    "REINSTATED": "APPROVED",
    "IN_APPEAL": "IN_APPEAL",
    "LIMIT_EXCEEDED": "LIMIT_EXCEEDED",
    "ARCHIVED": "ARCHIVED",
    "DELETED": "DELETED",
    "PENDING_DELETION": "PENDING_DELETION",
}
"""Template events that name a new status; FLAGGED, LOCKED, UNARCHIVED leave it as it is."""


@dataclass(frozen=True)
class WebhookRules:
    """The configurable parts of processing (keywords, reply window)."""

    keywords: KeywordRules = field(default_factory=KeywordRules)
    reply_window: timedelta = timedelta(hours=72)

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookRules:
        return cls(
            keywords=KeywordRules(
                opt_out=split_keywords(settings.opt_out_keywords),
                opt_in=split_keywords(settings.opt_in_keywords),
            ),
            reply_window=timedelta(hours=settings.reply_window_hours),
        )


def apply_payload(
    session: Session,
    parsed: ParsedWebhook,
    *,
    rules: WebhookRules,
    webhook_event_id: int | None,
    now: datetime,
) -> None:
    """Apply every event of one webhook body inside the caller's transaction."""
    record_statuses(session, parsed.statuses, webhook_event_id=webhook_event_id, now=now)
    for message in parsed.messages:
        record_reply(session, message, rules=rules, webhook_event_id=webhook_event_id, now=now)
    for preference in parsed.preferences:
        apply_preference(session, preference, now=now)
    for change in parsed.template_changes:
        apply_template_change(session, change, now=now)
    for account_update in parsed.account_updates:
        apply_account_update(session, account_update, now=now)


def _reply_target(
    session: Session, message: InboundMessage, contact_id: int | None, window: timedelta
) -> ReplyTarget | None:
    quoted = send_by_message_id(session, message.context_message_id)
    if quoted is not None:
        return quoted
    if contact_id is None:
        return None
    # Meta stamps a reply in whole seconds, claims have microseconds: a reply within the
    # send's own second carries a time before claimed_at, so its whole second counts.
    before = message.occurred_at + REPLY_TIME_RESOLUTION
    return latest_send_to(session, contact_id, before=before, window=window)


def record_reply(
    session: Session,
    message: InboundMessage,
    *,
    rules: WebhookRules,
    webhook_event_id: int | None,
    now: datetime,
) -> bool:
    """Store an inbound message once, credit it to a campaign, act on opt-out keywords.

    A message from a BSUID without a number (a user with a username) finds or creates its
    contact by BSUID, so a later reply, opt-out or status of that user lands on one contact.
    """
    contact_id = contact_of_change(session, message)
    target = _reply_target(session, message, contact_id, rules.reply_window)
    if contact_id is None and target is not None:
        contact_id = target.contact_id
    if contact_id is None and not message.from_wa_id and message.identity_change is None:
        contact_id = create_bsuid_contact(
            session,
            user_id=message.from_user_id,
            name=message.profile_name,
            source="reply webhook",
            now=now,
        )
    inserted = insert_reply(
        session,
        {
            "message_id": message.message_id,
            "contact_id": contact_id,
            "phone": (message.from_wa_id or "")[:32] or None,
            "user_id": (message.from_user_id or "")[:160] or None,
            "type": message.type,
            "text": message.text,
            "payload": message.payload,
            "context_message_id": (message.context_message_id or "")[:255] or None,
            "campaign_id": target.campaign_id if target else None,
            "send_id": target.send_id if target else None,
            "occurred_at": message.occurred_at,
            "received_at": now,
            "webhook_event_id": webhook_event_id,
        },
    )
    if not inserted:
        return False
    if contact_id is not None and message.identity_change is not None:
        contact_id = apply_identity_change(session, contact_id, message.identity_change, now=now)
    elif contact_id is not None:
        contact_id = record_identity(
            session, contact_id, wa_id=message.from_wa_id, user_id=message.from_user_id, now=now
        )
    action = None
    if message.type in KEYWORD_TYPES:
        action = rules.keywords.match([message.text, message.payload])
    if action is not None:
        said = normalize_keyword(message.text or message.payload or "").upper()
        _change_opt_state(
            session,
            contact_id,
            message,
            action=action,
            reason=f"keyword {said}"[:64],
            now=now,
        )
    return True


def _change_opt_state(
    session: Session,
    contact_id: int | None,
    message: InboundMessage,
    *,
    action: str,
    reason: str,
    now: datetime,
) -> None:
    if contact_id is None and action == STOP:
        contact_id = create_opted_out_contact(
            session,
            wa_id=message.from_wa_id,
            user_id=message.from_user_id,
            name=message.profile_name,
            now=now,
        )
    if contact_id is not None:
        record_opt_change(
            session,
            contact_id,
            action=action,
            reason=reason,
            occurred_at=message.occurred_at,
            now=now,
        )


def apply_preference(session: Session, preference: PreferenceChange, *, now: datetime) -> bool:
    """``user_preferences`` stop/resume for marketing messages (other values are only logged)."""
    if preference.value not in (STOP, RESUME):
        return False
    contact_id = find_contact_id(session, wa_id=preference.wa_id, user_id=preference.user_id)
    if contact_id is None and preference.value == STOP:
        contact_id = create_opted_out_contact(
            session, wa_id=preference.wa_id, user_id=preference.user_id, name=None, now=now
        )
    if contact_id is None:
        return False
    contact_id = record_identity(
        session, contact_id, wa_id=preference.wa_id, user_id=preference.user_id, now=now
    )
    return record_opt_change(
        session,
        contact_id,
        action=preference.value,
        reason=f"user_preferences {preference.value}",
        occurred_at=preference.occurred_at,
        now=now,
    )


def apply_template_change(
    session: Session, change: TemplateStatusChange, *, now: datetime | None = None
) -> bool:
    """The template hook: keep the synced templates table's status current (if the row exists).

    A PAUSED template makes every send fail with 132015; the engine stops on that error, and
    the panel shows the new status without waiting for the next template sync.
    """
    status = TEMPLATE_EVENT_STATUS.get(change.event)
    if status is None:
        return False
    result = session.execute(
        update(Template)
        .where(Template.name == change.name, Template.language == change.language)
        .values(status=status)
        .execution_options(synchronize_session="fetch")
    )
    if now is not None:  # running campaigns of a template that became unusable are paused
        pause_campaigns_of(
            session,
            name=change.name,
            language=change.language,
            status=status,
            event=change.event,
            meta_reason=change.reason,
            now=now,
        )
    return bool(getattr(result, "rowcount", 0))
