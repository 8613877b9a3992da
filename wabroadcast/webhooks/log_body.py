"""Stored webhook bodies made safe to show on the log pages.

A body is stored as received once its signature matches, so the log holds whatever a signer
sent: valid JSON that is not a webhook (``"entry": 5``), lone surrogates written as JSON
escapes (``"\\ud800"``, which no UTF-8 answer can carry once decoded), nesting deep enough to
exhaust recursive encoders, or text that is not JSON at all. Showing a body must never fail:
it is shown as JSON when it parses and is sane, else as its raw text, which is always safe
(it arrived as UTF-8 and keeps escapes as escapes).
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
"""Real webhooks nest about 8 levels; deeper bodies are shown raw (recursive encoders and the
pretty printer would otherwise recurse once per level)."""
_SURROGATE = re.compile("[\ud800-\udfff]")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")  # answers use allow_nan=False


def readable_json(body: str) -> tuple[bool, Any]:
    """``(True, data)`` when the body is sane JSON, else ``(False, None)``."""
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # includes ints over 4,300 digits
        return False, None
    return (True, data) if _sane(data) else (False, None)


def _sane(data: Any) -> bool:
    """No lone surrogate in any string or key, and at most MAX_DEPTH levels (no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return False
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return False
            if isinstance(value, dict):
                if any(_SURROGATE.search(key) for key in value):
                    return False
                value = value.values()
            stack.extend((item, depth + 1) for item in value)
    return True


def pretty(body: str) -> tuple[Any, str]:
    """``(data or None, text to show)``: indented JSON when sane, else the raw text."""
    ok, data = readable_json(body)
    if not ok:
        return None, body
    return data, json.dumps(data, indent=2, ensure_ascii=False)
