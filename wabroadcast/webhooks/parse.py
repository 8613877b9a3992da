"""Cloud API webhook payload → typed events.

The envelope is ``{"object": "whatsapp_business_account", "entry": [{"id": <WABA id>,
"changes": [{"field": ..., "value": ...}]}]}``; one POST may batch many entries, changes and
statuses (up to 1,000). Parsing never raises on odd input: an item with a wrong shape is
skipped and named in ``problems`` while the rest of the batch is kept, because Meta retries a
non-200 answer for up to 7 days and one strange item must not hold back the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

HANDLED_FIELDS = frozenset({"messages", "user_preferences", "message_template_status_update"})


@dataclass(frozen=True)
class StatusUpdate:
    """One ``statuses[]`` item: Meta's news about a message we sent."""

    message_id: str
    status: str
    occurred_at: datetime
    recipient_id: str | None = None
    user_id: str | None = None
    callback_data: str | None = None
    error_code: int | None = None
    error_title: str | None = None
    pricing_category: str | None = None
    profile_name: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """One ``messages[]`` item: something a contact wrote or tapped."""

    message_id: str
    type: str
    occurred_at: datetime
    from_wa_id: str | None = None
    from_user_id: str | None = None
    text: str | None = None
    payload: str | None = None
    context_message_id: str | None = None
    profile_name: str | None = None


@dataclass(frozen=True)
class PreferenceChange:
    """One ``user_preferences[]`` item: the user stopped or resumed marketing messages."""

    value: str
    occurred_at: datetime
    wa_id: str | None = None
    user_id: str | None = None
    category: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class TemplateStatusChange:
    """A ``message_template_status_update`` value (APPROVED, PAUSED, DISABLED …)."""

    event: str
    name: str
    language: str
    template_id: str | None = None
    reason: str | None = None


@dataclass
class ParsedWebhook:
    statuses: list[StatusUpdate] = field(default_factory=list)
    messages: list[InboundMessage] = field(default_factory=list)
    preferences: list[PreferenceChange] = field(default_factory=list)
    template_changes: list[TemplateStatusChange] = field(default_factory=list)
    unhandled_fields: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _str(value: Any) -> str | None:
    """A non-empty string (NUL removed: PostgreSQL text cannot hold it), or None."""
    if isinstance(value, str) and value:
        return value.replace("\x00", "") or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def parse_timestamp(value: Any, fallback: datetime) -> datetime:
    """Unix seconds, as a string (statuses, messages) or an integer (user_preferences)."""
    text = _str(value)
    if text is not None and text.isdigit():
        seconds = int(text)
        if 0 < seconds < 32503680000:  # before year 3000: anything else is garbage
            return datetime.fromtimestamp(seconds, UTC)
    return fallback


def payload_kind(data: Any) -> str:
    """A short label for the raw log: the change fields in the body, e.g. ``messages``."""
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        return "unknown"
    fields: list[str] = []
    for entry in _list(data.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            name = _str(_dict(change).get("field")) or "unknown"
            if name not in fields:
                fields.append(name)
    return ",".join(fields)[:64] or "empty"


def parse_payload(data: Any, fallback_time: datetime) -> ParsedWebhook:
    """Every event in a webhook body; ``fallback_time`` stands in for missing timestamps."""
    parsed = ParsedWebhook()
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        parsed.unhandled_fields.append("unknown object")
        return parsed
    for entry in _list(data.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            name = _str(change.get("field")) or "unknown"
            value = _dict(change.get("value"))
            if name == "messages":
                _parse_messages_value(value, fallback_time, parsed)
            elif name == "user_preferences":
                _parse_preferences(value, fallback_time, parsed)
            elif name == "message_template_status_update":
                _parse_template_status(value, parsed)
            else:
                parsed.unhandled_fields.append(name)
    return parsed


def _contacts_by_wa_id(value: dict[str, Any]) -> dict[str, dict[str, Any]]:
    contacts: dict[str, dict[str, Any]] = {}
    for item in _list(value.get("contacts")):
        item = _dict(item)
        key = _str(item.get("wa_id")) or _str(item.get("user_id"))
        if key:
            contacts[key] = item
    return contacts


def _profile_name(contact: dict[str, Any]) -> str | None:
    return _str(_dict(contact.get("profile")).get("name"))


def _parse_messages_value(value: dict[str, Any], fallback: datetime, out: ParsedWebhook) -> None:
    contacts = _contacts_by_wa_id(value)
    only = next(iter(contacts.values())) if len(contacts) == 1 else {}
    for index, item in enumerate(_list(value.get("statuses"))):
        status = _parse_status(_dict(item), contacts, only, fallback)
        if status is None:
            out.problems.append(f"statuses[{index}]: no message id or status")
        else:
            out.statuses.append(status)
    for index, item in enumerate(_list(value.get("messages"))):
        message = _parse_inbound(_dict(item), contacts, only, fallback)
        if message is None:
            out.problems.append(f"messages[{index}]: no message id")
        else:
            out.messages.append(message)
    if isinstance(value.get("errors"), list) and not value.get("statuses"):
        out.problems.append("value.errors present (not tied to a message)")


def _parse_status(
    item: dict[str, Any],
    contacts: dict[str, dict[str, Any]],
    only: dict[str, Any],
    fallback: datetime,
) -> StatusUpdate | None:
    message_id = _str(item.get("id"))
    status = _str(item.get("status"))
    if message_id is None or status is None:
        return None
    recipient = _str(item.get("recipient_id"))
    contact = contacts.get(recipient, {}) if recipient else only
    errors = [_dict(e) for e in _list(item.get("errors"))]
    first_error = errors[0] if errors else {}
    code = first_error.get("code")
    return StatusUpdate(
        message_id=message_id[:255],
        status=status.lower()[:16],
        occurred_at=parse_timestamp(item.get("timestamp"), fallback),
        recipient_id=recipient,
        user_id=_str(item.get("recipient_user_id")) or _str(contact.get("user_id")),
        callback_data=(_str(item.get("biz_opaque_callback_data")) or "")[:512] or None,
        error_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        error_title=_str(first_error.get("title")) or _str(first_error.get("message")),
        pricing_category=_str(_dict(item.get("pricing")).get("category")),
        profile_name=_profile_name(contact),
    )


def _inbound_content(item: dict[str, Any], kind: str) -> tuple[str, str | None, str | None]:
    """(type, text, payload): quick-reply buttons keep payload, interactive replies their id."""
    if kind == "text":
        return kind, _str(_dict(item.get("text")).get("body")), None
    if kind == "button":
        button = _dict(item.get("button"))
        return kind, _str(button.get("text")), _str(button.get("payload"))
    if kind == "interactive":
        interactive = _dict(item.get("interactive"))
        sub = _str(interactive.get("type")) or "interactive"
        reply = _dict(interactive.get(sub))
        return sub, _str(reply.get("title")), _str(reply.get("id"))
    if kind == "reaction":
        return kind, _str(_dict(item.get("reaction")).get("emoji")), None
    if kind == "system":
        return kind, _str(_dict(item.get("system")).get("body")), None
    media = _dict(item.get(kind))
    return kind, _str(media.get("caption")), None


def _parse_inbound(
    item: dict[str, Any],
    contacts: dict[str, dict[str, Any]],
    only: dict[str, Any],
    fallback: datetime,
) -> InboundMessage | None:
    message_id = _str(item.get("id"))
    if message_id is None:
        return None
    sender = _str(item.get("from"))
    contact = contacts.get(sender, {}) if sender else only
    kind, text, payload = _inbound_content(item, _str(item.get("type")) or "unknown")
    return InboundMessage(
        message_id=message_id[:255],
        type=kind[:32],
        occurred_at=parse_timestamp(item.get("timestamp"), fallback),
        from_wa_id=sender,
        from_user_id=_str(item.get("from_user_id")) or _str(contact.get("user_id")),
        text=text,
        payload=payload[:512] if payload else None,
        context_message_id=_str(_dict(item.get("context")).get("id")),
        profile_name=_profile_name(contact),
    )


def _parse_preferences(value: dict[str, Any], fallback: datetime, out: ParsedWebhook) -> None:
    for index, item in enumerate(_list(value.get("user_preferences"))):
        item = _dict(item)
        choice = _str(item.get("value"))
        if choice is None or not (_str(item.get("wa_id")) or _str(item.get("user_id"))):
            out.problems.append(f"user_preferences[{index}]: no value or user")
            continue
        out.preferences.append(
            PreferenceChange(
                value=choice.lower(),
                occurred_at=parse_timestamp(item.get("timestamp"), fallback),
                wa_id=_str(item.get("wa_id")),
                user_id=_str(item.get("user_id")),
                category=_str(item.get("category")),
                detail=_str(item.get("detail")),
            )
        )


def _parse_template_status(value: dict[str, Any], out: ParsedWebhook) -> None:
    event = _str(value.get("event"))
    name = _str(value.get("message_template_name"))
    language = _str(value.get("message_template_language"))
    if event is None or name is None or language is None:
        out.problems.append("message_template_status_update: no event, name or language")
        return
    out.template_changes.append(
        TemplateStatusChange(
            event=event.upper(),
            name=name,
            language=language,
            template_id=_str(value.get("message_template_id")),
            reason=_str(value.get("reason")),
        )
    )
