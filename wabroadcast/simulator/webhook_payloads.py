"""The bodies the simulator POSTs, in Meta's exact webhook envelope (cloudapi.md §5).

Every dict here mirrors a real Cloud API payload key for key; tests compare them with the
fixture files in ``tests/fixtures/webhooks`` so the simulator cannot drift into a private
dialect that our own receiver happens to accept but Meta never sends.

Details that receivers commonly get wrong, reproduced on purpose:

- status ``timestamp`` is Unix seconds as a *string*; ``user_preferences`` ``timestamp`` is an
  *integer*;
- ``contacts`` accompanies sent/delivered/read statuses but not failed ones;
- ``pricing`` is on ``sent`` and on one of ``delivered``/``read``, never on both; failed
  statuses carry ``errors`` instead;
- bodies are compact JSON with non-ASCII escaped (``\\u00e7``), as Meta sends them, so a receiver
  that re-serialises the JSON before checking the signature fails here as it would in production.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import phonenumbers

from wabroadcast.domain.bsuid import is_bsuid
from wabroadcast.simulator.graph import ASYNC_ERRORS, ERROR_HREF, async_error

_FIRST_NAMES = (
    "Ana", "Mehmet", "Ayşe", "João", "Fatma", "Lucas", "Elif", "Mariana", "Ahmet", "Zeynep",
    "Carlos", "Emine", "Olivia", "Mustafa", "Beatriz", "Can",
)  # fmt: skip
_LAST_NAMES = (
    "Souza", "Yılmaz", "Kaya", "Demir", "Silva", "Şahin", "Costa", "Çelik", "Oliveira", "Aydın",
)  # fmt: skip


@dataclass(frozen=True)
class Update:
    """One item of a webhook change: a status, an inbound message or a preference change.

    ``field`` is the change's ``field`` (``messages`` or ``user_preferences``), ``key`` the
    list in ``value`` it goes to (``statuses``, ``messages``, ``user_preferences``) and
    ``contact`` the ``contacts[]`` entry that accompanies it, if any.
    """

    field: str
    key: str
    item: dict[str, Any]
    contact: dict[str, Any] | None


def user_id_for(wa_id: str) -> str:
    """A stable fake BSUID (§5.8): ISO country + ``.`` + digits, unique per user."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse("+" + wa_id)) or "US"
    except phonenumbers.NumberParseException:
        region = "US"
    digest = int(hashlib.sha256(wa_id.encode()).hexdigest()[:15], 16)
    return f"{region}.{digest:016d}"[:128]


def profile_name_for(wa_id: str) -> str:
    """The WhatsApp profile name a user chose; not the business's name for the contact."""
    number = int(hashlib.sha256(("name:" + wa_id).encode()).hexdigest()[:8], 16)
    first = _FIRST_NAMES[number % len(_FIRST_NAMES)]
    last = _LAST_NAMES[(number // len(_FIRST_NAMES)) % len(_LAST_NAMES)]
    return f"{first} {last}"


def user_ids(user: str) -> dict[str, str]:
    """How webhooks name a user: a wa_id and its BSUID, or only the BSUID for a user the
    business reached by BSUID (a username user whose number is not shared, §5.8)."""
    if is_bsuid(user):
        return {"user_id": user}
    return {"wa_id": user, "user_id": user_id_for(user)}


def contact_item(wa_id: str) -> dict[str, Any]:
    return {"profile": {"name": profile_name_for(wa_id)}, **user_ids(wa_id)}


def _sender(user: str) -> dict[str, str]:
    ids = user_ids(user)
    sender = {"from": ids["wa_id"]} if "wa_id" in ids else {}
    return sender | {"from_user_id": ids["user_id"]}


def pricing_item(category: str) -> dict[str, Any]:
    """Per-message pricing (PMP) since 2025-07-01; ``billable`` is kept until Meta drops it.

    Templates are ``regular`` (charged); a text reply inside the user's service window is
    ``free_customer_service``.
    """
    kind = "free_customer_service" if category == "service" else "regular"
    return {
        "billable": kind == "regular",
        "pricing_model": "PMP",
        "type": kind,
        "category": category,
    }


def status_update(
    *,
    message_id: str,
    status: str,
    timestamp: int,
    recipient_id: str,
    callback_data: str | None,
    pricing_category: str | None = None,
    error_code: int | None = None,
) -> Update:
    """A ``statuses[]`` item. Failed statuses get ``errors`` and travel without a contact."""
    item: dict[str, Any] = {"id": message_id, "status": status, "timestamp": str(timestamp)}
    if is_bsuid(recipient_id):  # sent to a BSUID: no number to share (§5.3)
        item["recipient_user_id"] = recipient_id
    else:
        item["recipient_id"] = recipient_id
    if callback_data is not None:
        item["biz_opaque_callback_data"] = callback_data
    if error_code is not None:
        if error_code in ASYNC_ERRORS:
            error = async_error(error_code)
        else:
            title = "Message failed to send"
            details = {"details": f"Error {error_code}."}
            error = {"code": error_code, "title": title, "message": title, "error_data": details}
            error["href"] = ERROR_HREF
        item["errors"] = [error]
        return Update("messages", "statuses", item, None)
    if pricing_category is not None:
        item["pricing"] = pricing_item(pricing_category)
    return Update("messages", "statuses", item, contact_item(recipient_id))


def text_message_update(
    *, message_id: str, wa_id: str, timestamp: int, body: str, context: dict[str, str] | None
) -> Update:
    """An inbound text (§5.4); ``context`` only when the user swiped to reply to a message."""
    item: dict[str, Any] = {}
    if context is not None:
        item["context"] = context
    item.update(
        {
            **_sender(wa_id),
            "id": message_id,
            "timestamp": str(timestamp),
            "type": "text",
            "text": {"body": body},
        }
    )
    return Update("messages", "messages", item, contact_item(wa_id))


def button_message_update(
    *,
    message_id: str,
    wa_id: str,
    timestamp: int,
    context: dict[str, str],
    payload: str,
    text: str,
) -> Update:
    """A quick-reply button tapped on a template (§5.5); ``context.id`` is the template's wamid."""
    item: dict[str, Any] = {
        "context": context,
        **_sender(wa_id),
        "id": message_id,
        "timestamp": str(timestamp),
        "type": "button",
        "button": {"payload": payload, "text": text},
    }
    return Update("messages", "messages", item, contact_item(wa_id))


def preference_update(*, wa_id: str, value: str, timestamp: int) -> Update:
    """A ``user_preferences`` item (§5.7): marketing ``stop``/``resume``; integer timestamp."""
    verb = "stop" if value == "stop" else "resume"
    item: dict[str, Any] = {
        **user_ids(wa_id),
        "detail": f"User requested to {verb} marketing messages",
        "category": "marketing_messages",
        "value": value,
        "timestamp": timestamp,
    }
    return Update("user_preferences", "user_preferences", item, contact_item(wa_id))


def envelope(
    updates: list[Update], *, waba_id: str, phone_number_id: str, display_phone_number: str
) -> dict[str, Any]:
    """One POST body: one entry for the WABA, one change per (field, list) in first-seen order.

    ``contacts`` lists each contact once per change, in the order of its items.
    """
    metadata = {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id}
    groups: dict[tuple[str, str], list[Update]] = {}
    for update in updates:
        groups.setdefault((update.field, update.key), []).append(update)
    changes: list[dict[str, Any]] = []
    for (field, key), members in groups.items():
        value: dict[str, Any] = {"messaging_product": "whatsapp", "metadata": metadata}
        contacts: dict[str, dict[str, Any]] = {}
        for member in members:
            if member.contact is not None:
                user = member.contact.get("wa_id") or member.contact["user_id"]
                contacts.setdefault(user, member.contact)
        if contacts:
            value["contacts"] = list(contacts.values())
        value[key] = [member.item for member in members]
        changes.append({"field": field, "value": value})
    return {"object": "whatsapp_business_account", "entry": [{"id": waba_id, "changes": changes}]}


def encode(payload: dict[str, Any]) -> bytes:
    """Compact JSON with non-ASCII escaped, byte for byte what gets signed and sent."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode("ascii")
