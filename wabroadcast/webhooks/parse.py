"""Cloud API webhook payload → typed events.

The envelope is ``{"object": "whatsapp_business_account", "entry": [{"id": <WABA id>,
"changes": [{"field": ..., "value": ...}]}]}``; one POST may batch many entries, changes and
statuses (up to 1,000). Parsing never raises on odd input: an item with a wrong shape is
skipped and named in ``problems`` while the rest of the batch is kept, because Meta retries a
non-200 answer for up to 7 days and one strange item must not hold back the others.

A problem names its item the way a person would find it in the body, e.g. ``entry 0, change 0,
statuses[1]: timestamp '²' is not a number``. Values are checked against what the database
columns can hold (an error code must fit an INTEGER, a timestamp must be a plausible Unix
time), because one value the database refuses would otherwise fail the whole transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wabroadcast.webhooks.account_parse import ACCOUNT_FIELDS, AccountUpdate, parse_account_change

HANDLED_FIELDS = (
    frozenset({"messages", "user_preferences", "message_template_status_update"}) | ACCOUNT_FIELDS
)
MAX_TIMESTAMP = 32503680000
"""Year 3000 in Unix seconds: a later (or non-positive) timestamp is garbage, not a date."""
MAX_TIMESTAMP_DIGITS = len(str(MAX_TIMESTAMP))
MAX_ERROR_CODE = 2**31 - 1
"""Error codes are stored in INTEGER columns (32-bit on PostgreSQL)."""
_SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone UTF-16 surrogate: JSON's ``"\\ud83d"`` escape decodes to one, and neither UTF-8 nor
the databases can hold it."""


class BadItem(ValueError):
    """One item of a body that cannot be applied; the message says which field and why."""


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
    pricing_type: str | None = None
    profile_name: str | None = None
    where: str = field(default="", compare=False)


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
    identity_change: IdentityChange | None = None
    where: str = field(default="", compare=False)


@dataclass(frozen=True)
class IdentityChange:
    """A ``system`` message: the user's number (``user_changed_number``) or BSUID
    (``user_changed_user_id``) changed; the previous BSUID is given since 2026-08-11."""

    type: str
    new_wa_id: str | None = None
    new_user_id: str | None = None
    previous_user_id: str | None = None


IDENTITY_CHANGES = frozenset({"user_changed_number", "user_changed_user_id"})


def _identity_change(item: dict[str, Any]) -> IdentityChange | None:
    system = _dict(item.get("system"))
    kind = _str(system.get("type"))
    if kind not in IDENTITY_CHANGES:
        return None
    return IdentityChange(
        type=kind,
        new_wa_id=_str(system.get("wa_id")),
        new_user_id=_str(system.get("user_id")),
        previous_user_id=_str(system.get("previous_user_id")),
    )


@dataclass(frozen=True)
class PreferenceChange:
    """One ``user_preferences[]`` item: the user stopped or resumed marketing messages."""

    value: str
    occurred_at: datetime
    wa_id: str | None = None
    user_id: str | None = None
    category: str | None = None
    detail: str | None = None
    where: str = field(default="", compare=False)


@dataclass(frozen=True)
class TemplateStatusChange:
    """A ``message_template_status_update`` value (APPROVED, PAUSED, DISABLED …)."""

    event: str
    name: str
    language: str
    template_id: str | None = None
    reason: str | None = None
    where: str = field(default="", compare=False)


@dataclass
class ParsedWebhook:
    statuses: list[StatusUpdate] = field(default_factory=list)
    messages: list[InboundMessage] = field(default_factory=list)
    preferences: list[PreferenceChange] = field(default_factory=list)
    template_changes: list[TemplateStatusChange] = field(default_factory=list)
    account_updates: list[AccountUpdate] = field(default_factory=list)
    """Throughput, quality, messaging limit and template category news (account_parse.py)."""
    unhandled_fields: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def clean_text(text: str) -> str:
    """NUL removed (PostgreSQL text cannot hold it), lone surrogates → U+FFFD (UTF-8 cannot)."""
    text = text.replace("\x00", "")
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _str(value: Any) -> str | None:
    """A non-empty, storable string (an integer is taken as its digits), or None."""
    if isinstance(value, str) and value:
        return clean_text(value) or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def shown(value: Any, limit: int = 24) -> str:
    """A value as a problem message quotes it: short, and safe to store (repr escapes NUL and
    lone surrogates)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > 14_000:  # str() refuses more than 4,300 digits
            return "a number too long to show"
        digits = str(value)
        return digits if len(digits) <= limit else f"{digits[:12]}… ({len(digits):,} digits)"
    if isinstance(value, str | float | bool) or value is None:
        return repr(value)
    return _type_name(value)


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def timestamp_of(value: Any, fallback: datetime) -> datetime:
    """Unix seconds, as a string (statuses, messages) or an integer (user_preferences).

    Missing means ``fallback`` (the time the body was received); anything else that is not a
    plausible Unix time raises BadItem rather than putting a made-up time on a fact.
    """
    if value is None:
        return fallback
    if isinstance(value, int) and not isinstance(value, bool):
        digits = str(value) if value.bit_length() < 64 else ""
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        digits = value  # ASCII only: '²' and '١' are digits to str.isdigit, not to Meta
    else:
        raise BadItem(f"timestamp {shown(value)} is not a number")
    if not digits or len(digits) > MAX_TIMESTAMP_DIGITS or not 0 < int(digits) < MAX_TIMESTAMP:
        raise BadItem(f"timestamp {shown(value)} is out of range")
    return datetime.fromtimestamp(int(digits), UTC)


def parse_timestamp(value: Any, fallback: datetime) -> datetime:
    """Like :func:`timestamp_of`, but garbage means ``fallback`` too (for lenient callers)."""
    try:
        return timestamp_of(value, fallback)
    except BadItem:
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
    entries = data.get("entry")
    if not isinstance(entries, list):
        parsed.problems.append(f"entry is {_type_name(entries)}, not a list")
        return parsed
    for e, entry in enumerate(entries):
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(entry, dict):
            parsed.problems.append(f"entry {e}: is {_type_name(entry)}, not an object")
            continue
        if not isinstance(changes, list):
            parsed.problems.append(f"entry {e}: changes is {_type_name(changes)}, not a list")
            continue
        entry_time = parse_timestamp(entry.get("time"), fallback_time)
        for c, change in enumerate(changes):
            _parse_change(change, f"entry {e}, change {c}", fallback_time, parsed, entry_time)
    return parsed


def _parse_change(
    change: Any, where: str, fallback: datetime, out: ParsedWebhook, entry_time: datetime
) -> None:
    if not isinstance(change, dict):
        out.problems.append(f"{where}: is {_type_name(change)}, not an object")
        return
    name = _str(change.get("field")) or "unknown"
    value = change.get("value")
    if name not in HANDLED_FIELDS:
        out.unhandled_fields.append(name[:64])
    elif not isinstance(value, dict):
        out.problems.append(f"{where}: value is {_type_name(value)}, not an object")
    elif name == "messages":
        _parse_messages_value(value, where, fallback, out)
    elif name == "user_preferences":
        _items(value, "user_preferences", where, out, out.preferences, _preference(fallback))
    elif name in ACCOUNT_FIELDS:
        try:
            update = parse_account_change(name, value, entry_time, f"{where}: {name}")
        except ValueError as exc:
            out.problems.append(f"{where}: {name}: {exc}")
        else:
            if update is not None:
                out.account_updates.append(update)
    else:
        _one(f"{where}: message_template_status_update", out, out.template_changes, value)


def _items(
    value: dict[str, Any],
    key: str,
    where: str,
    out: ParsedWebhook,
    into: list[Any],
    parse: Callable[[dict[str, Any], str], Any],
) -> None:
    """Parse ``value[key][i]`` one by one; a bad item becomes a problem, the rest are kept."""
    items = value.get(key)
    if items is None:
        return
    if not isinstance(items, list):
        out.problems.append(f"{where}: {key} is {_type_name(items)}, not a list")
        return
    for index, item in enumerate(items):
        here = f"{where}, {key}[{index}]"
        if not isinstance(item, dict):
            out.problems.append(f"{here}: is {_type_name(item)}, not an object")
            continue
        _one(here, out, into, item, parse)


def _one(
    here: str,
    out: ParsedWebhook,
    into: list[Any],
    item: dict[str, Any],
    parse: Callable[[dict[str, Any], str], Any] | None = None,
) -> None:
    try:
        into.append((parse or _template_status)(item, here))
    except BadItem as exc:
        out.problems.append(f"{here}: {exc}")
    except Exception as exc:  # a shape nobody foresaw: skip the item, keep the body
        out.problems.append(f"{here}: could not be read ({type(exc).__name__})")


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


def _parse_messages_value(
    value: dict[str, Any], where: str, fallback: datetime, out: ParsedWebhook
) -> None:
    contacts = _contacts_by_wa_id(value)
    only = next(iter(contacts.values())) if len(contacts) == 1 else {}

    def status(item: dict[str, Any], here: str) -> StatusUpdate:
        return _parse_status(item, here, contacts, only, fallback)

    def inbound(item: dict[str, Any], here: str) -> InboundMessage:
        return _parse_inbound(item, here, contacts, only, fallback)

    _items(value, "statuses", where, out, out.statuses, status)
    _items(value, "messages", where, out, out.messages, inbound)
    if isinstance(value.get("errors"), list) and not value.get("statuses"):
        out.problems.append(f"{where}: value.errors present (not tied to a message)")


def _error_code(item: dict[str, Any]) -> tuple[int | None, str | None]:
    """The first error's code and title; a code no INTEGER column can hold is a BadItem."""
    errors = item.get("errors")
    first = _dict(errors[0]) if isinstance(errors, list) and errors else {}
    code = first.get("code")
    title = _str(first.get("title")) or _str(first.get("message"))
    if not isinstance(code, int) or isinstance(code, bool):
        return None, title
    if not -MAX_ERROR_CODE <= code <= MAX_ERROR_CODE:
        raise BadItem(f"errors[0].code {shown(code)} is out of range")
    return code, title


def _parse_status(
    item: dict[str, Any],
    where: str,
    contacts: dict[str, dict[str, Any]],
    only: dict[str, Any],
    fallback: datetime,
) -> StatusUpdate:
    message_id = _str(item.get("id"))
    status = _str(item.get("status"))
    if message_id is None or status is None:
        raise BadItem("no message id or status")
    recipient = _str(item.get("recipient_id"))
    contact = contacts.get(recipient, {}) if recipient else only
    code, title = _error_code(item)
    return StatusUpdate(
        message_id=message_id[:255],
        status=status.lower()[:16],
        occurred_at=timestamp_of(item.get("timestamp"), fallback),
        recipient_id=recipient,
        user_id=_str(item.get("recipient_user_id")) or _str(contact.get("user_id")),
        callback_data=(_str(item.get("biz_opaque_callback_data")) or "")[:512] or None,
        error_code=code,
        error_title=title,
        pricing_category=_str(_dict(item.get("pricing")).get("category")),
        pricing_type=_str(_dict(item.get("pricing")).get("type")),
        profile_name=_profile_name(contact),
        where=where,
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
    where: str,
    contacts: dict[str, dict[str, Any]],
    only: dict[str, Any],
    fallback: datetime,
) -> InboundMessage:
    message_id = _str(item.get("id"))
    if message_id is None:
        raise BadItem("no message id")
    sender = _str(item.get("from"))
    contact = contacts.get(sender, {}) if sender else only
    kind, text, payload = _inbound_content(item, _str(item.get("type")) or "unknown")
    return InboundMessage(
        message_id=message_id[:255],
        type=kind[:32],
        occurred_at=timestamp_of(item.get("timestamp"), fallback),
        from_wa_id=sender,
        from_user_id=_str(item.get("from_user_id")) or _str(contact.get("user_id")),
        text=text,
        payload=payload[:512] if payload else None,
        context_message_id=_str(_dict(item.get("context")).get("id")),
        profile_name=_profile_name(contact),
        identity_change=_identity_change(item) if kind == "system" else None,
        where=where,
    )


def _preference(fallback: datetime) -> Callable[[dict[str, Any], str], PreferenceChange]:
    def parse(item: dict[str, Any], where: str) -> PreferenceChange:
        choice = _str(item.get("value"))
        if choice is None or not (_str(item.get("wa_id")) or _str(item.get("user_id"))):
            raise BadItem("no value or user")
        return PreferenceChange(
            value=choice.lower(),
            occurred_at=timestamp_of(item.get("timestamp"), fallback),
            wa_id=_str(item.get("wa_id")),
            user_id=_str(item.get("user_id")),
            category=_str(item.get("category")),
            detail=_str(item.get("detail")),
            where=where,
        )

    return parse


def _template_status(value: dict[str, Any], where: str) -> TemplateStatusChange:
    event = _str(value.get("event"))
    name = _str(value.get("message_template_name"))
    language = _str(value.get("message_template_language"))
    if event is None or name is None or language is None:
        raise BadItem("no event, name or language")
    return TemplateStatusChange(
        event=event.upper(),
        name=name,
        language=language,
        template_id=_str(value.get("message_template_id")),
        reason=_str(value.get("reason")),
        where=where,
    )
