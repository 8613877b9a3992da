"""Hypothesis strategies for webhook bodies: real payload shapes, mutated at random.

A body starts as one of the recorded fixtures (tests/fixtures/webhooks, the shapes Meta
documents) and gets a few mutations at random places: a value replaced by a wrong type, a
huge or negative number, an odd string (``'²'``, a lone surrogate, NUL, 4,301 digits), a
key removed, or a value wrapped in extra nesting. ``HUGE_NUMBER`` stands in for a bare
4,301-digit JSON number, which Python cannot hold as an int: :func:`dump` writes it out.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"
PAYLOADS = {path.stem: json.loads(path.read_text("utf-8")) for path in FIXTURES.glob("*.json")}
HUGE_NUMBER = "\u2063huge-number\u2063"
WABA = "whatsapp_business_account"

ODD_STRINGS = st.sampled_from(
    [
        "",
        "²",
        "١٧٦٥٨١١١٠٢",
        "\ud800",
        "\ud83d",
        "a\udfffb",
        "\x00",
        "\u202e",
        "1" * 4301,
        "9" * 20,
        "-1",
        "1e10",
        " 1765811102",
        "1765811102.5",
        "NaN",
        "null",
        "wamid." + "x" * 300,
        "<script>alert(1)</script>",
        "s=99999999999999999999;c=1",
        "s=1;c=2",
        HUGE_NUMBER,
    ]
) | st.text(max_size=30)
ODD_NUMBERS = (
    st.sampled_from(
        [0, -1, 1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30, 10**4000, 131026, 131050]
    )
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
)
POISON = st.sampled_from(
    ["²", "1" * 4301, "\ud83d", "x\ud800y", 10**30, -(10**30), 2**31, 1.5, "", None, [], {}]
).map(copy.deepcopy)
"""Values that broke processing before: often enough to matter in a couple hundred draws.
Each draw is a fresh copy: a later mutation may write into the ``[]`` or ``{}`` it got, and
a shared one would change what the next run of the same example draws."""
ODD_SCALARS = st.one_of(st.none(), st.booleans(), ODD_NUMBERS, ODD_STRINGS)
ODD_VALUES = st.one_of(
    ODD_STRINGS,
    ODD_NUMBERS,
    st.none() | st.booleans(),
    st.recursive(
        ODD_SCALARS,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=6,
    ),
)
FIELDS = frozenset(
    {
        "timestamp",
        "id",
        "status",
        "code",
        "errors",
        "title",
        "body",
        "text",
        "from",
        "recipient_id",
        "recipient_user_id",
        "user_id",
        "wa_id",
        "value",
        "field",
        "statuses",
        "messages",
        "contacts",
        "profile",
        "name",
        "biz_opaque_callback_data",
        "pricing",
        "category",
        "context",
        "type",
        "button",
        "payload",
        "interactive",
        "event",
        "message_template_name",
        "message_template_language",
        "reason",
        "user_preferences",
    }
)
HOT = frozenset({"timestamp", "code", "body", "id", "status", "errors", "text"})
"""Keys the parser reads; a third of the mutations aim at a hot one, a third at any."""


def _slots(tree: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in the tree, parents before children."""
    found: list[tuple[Any, Any]] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node))
        for key in keys:
            found.append((node, key))
            if isinstance(node[key], dict | list):
                stack.append(node[key])
    return found


def _items(tree: Any) -> list[dict[str, Any]]:
    """The dicts the parser reads field by field: statuses, messages, their parts."""
    lists = {"statuses", "messages", "user_preferences", "errors", "contacts"}
    found = [
        item
        for node, key in _slots(tree)
        if key in lists and isinstance(node[key], list)
        for item in node[key]
        if isinstance(item, dict)
    ]
    found += [
        node[key]
        for node, key in _slots(tree)
        if key in {"text", "button", "interactive", "pricing", "value"}
        and isinstance(node[key], dict)
    ]
    return found


@st.composite
def mutated(draw: st.DrawFn, payload: Any) -> Any:
    """A deep copy of ``payload`` with one to five random mutations."""
    tree = copy.deepcopy(payload)
    for _ in range(draw(st.integers(1, 5))):
        slots = _slots(tree)
        aim = draw(st.sampled_from([HOT, FIELDS, None]))
        aimed = [(node, key) for node, key in slots if aim is not None and key in aim]
        slots = aimed or slots
        if not slots:
            break
        node, key = slots[draw(st.integers(0, len(slots) - 1))]
        action = draw(st.sampled_from(["item", "item", "replace", "delete", "wrap", "deep"]))
        items = _items(tree)
        if action == "item" and items:
            item = items[draw(st.integers(0, len(items) - 1))]
            keys = st.sampled_from(sorted(item)) if item else st.nothing()
            key = draw(st.sampled_from(["timestamp", "code", "body", "id", "status"]) | keys)
            item[key] = draw(POISON | ODD_VALUES)
        elif action == "replace":
            node[key] = draw(ODD_VALUES)
        elif action == "delete":
            del node[key]
        elif action == "wrap":
            node[key] = draw(st.sampled_from([[node[key]], {"x": node[key]}]))
        else:
            value = node[key]
            for _ in range(draw(st.integers(2, 100))):
                value = [value]
            node[key] = value
    return tree


def fixture_bodies() -> st.SearchStrategy[Any]:
    """A real payload, mutated."""
    return st.sampled_from(sorted(PAYLOADS)).flatmap(lambda name: mutated(PAYLOADS[name]))


def dump(body: Any) -> str:
    """JSON text as the receiver would get it (surrogates as escapes, never NaN)."""
    text = json.dumps(body, allow_nan=False)  # ensure_ascii: lone surrogates stay escapes
    return text.replace(json.dumps(HUGE_NUMBER), "9" * 4301)


def good_status(message_id: str, timestamp: int, recipient_id: str) -> dict[str, Any]:
    """A `read` for the seeded send. `recipient_id` is its own contact's wa_id: a wa_id shared
    by the sends of two examples would make their contacts one person (a BSUID/wa_id merge)."""
    return {
        "id": message_id,
        "status": "read",
        "timestamp": str(timestamp),
        "recipient_id": recipient_id,
    }


@st.composite
def with_good_status(draw: st.DrawFn, body: Any, status: dict[str, Any]) -> Any:
    """``body`` with ``status`` added: into a statuses list that survived the mutations when
    there is one (and the draw says so), else as its own entry, at a random position."""
    lists = [
        node[key]
        for node, key in _slots(body)
        if key == "statuses" and isinstance(node[key], list) and node.get("id") is None
    ]
    if lists and _reachable(body) and draw(st.booleans()):
        target = lists[draw(st.integers(0, len(lists) - 1))]
        target.insert(draw(st.integers(0, len(target))), status)
        if _lands(body, status):
            return body
        target.remove(status)
    entry = {"id": "1", "changes": [{"field": "messages", "value": {"statuses": [status]}}]}
    entries = body.get("entry") if isinstance(body, dict) else None
    entries = [e for e in entries if e is not None] if isinstance(entries, list) else [body]
    entries.insert(draw(st.integers(0, len(entries))), entry)
    return {"object": WABA, "entry": entries}


def _reachable(body: Any) -> bool:
    return isinstance(body, dict) and body.get("object") == WABA


def _lands(body: Any, status: dict[str, Any]) -> bool:
    """Whether ``status`` sits where the parser reads statuses: entry[].changes[] of field
    ``messages``, in value.statuses."""
    entries = body.get("entry")
    for entry in entries if isinstance(entries, list) else []:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            if not isinstance(change, dict) or change.get("field") != "messages":
                continue
            value = change.get("value")
            if isinstance(value, dict) and status in _as_list(value.get("statuses")):
                return True
    return False


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


JSON_VALUES = st.recursive(
    ODD_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
