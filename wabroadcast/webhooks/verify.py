"""Who may talk to the webhook: Meta's GET challenge and the signed POST body.

Meta signs every POST with ``X-Hub-Signature-256: sha256=<hex>``, an HMAC-SHA256 of the raw
body bytes keyed with the app secret. Anyone can reach a public callback URL, so a body whose
signature does not match is refused before it is parsed or stored. Both comparisons are
constant-time so the secret cannot be guessed byte by byte from response times.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from enum import Enum

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


class SignatureCheck(Enum):
    VALID = "valid"
    MISSING = "missing"  # no header: 401
    INVALID = "invalid"  # header present but wrong: 403


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta would send for ``body`` (used by the simulator and tests)."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def check_signature(body: bytes, header: str | None, app_secret: str) -> SignatureCheck:
    """Compare ``header`` with the HMAC of the raw ``body`` in constant time."""
    if not header:
        return SignatureCheck.MISSING
    given = header.strip()
    if not given.lower().startswith(_PREFIX):
        return SignatureCheck.INVALID
    expected = sign(body, app_secret)
    given = _PREFIX + given[len(_PREFIX) :].lower()
    if hmac.compare_digest(given.encode(), expected.encode()):
        return SignatureCheck.VALID
    return SignatureCheck.INVALID


def challenge_answer(params: Mapping[str, str], verify_token: str | None) -> str | None:
    """The text to echo for Meta's verification GET, or None to refuse it (403).

    Meta calls ``?hub.mode=subscribe&hub.challenge=<random>&hub.verify_token=<ours>`` when
    the callback URL is saved; the raw challenge must come back as the body. With no
    VERIFY_TOKEN configured every attempt is refused, so an empty token never matches.
    """
    if not verify_token:
        return None
    if params.get("hub.mode") != "subscribe":
        return None
    token = params.get("hub.verify_token", "")
    challenge = params.get("hub.challenge")
    if challenge is None:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return challenge
