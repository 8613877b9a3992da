"""The signed session cookie and the failed-login limit: the state behind web.auth.

A session is ``base64(json).base64(hmac)``, with the HMAC-SHA256 key derived from the API
token: nothing is stored on the server except logged-out session ids, and changing the token
invalidates every cookie at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wabroadcast.clock import Clock

SESSION_MAX_AGE = timedelta(days=7)
MAX_TRACKED_ADDRESSES = 10_000


@dataclass
class LoginLimiter:
    """Failed attempts per client address in a sliding window; only time clears them."""

    clock: Clock
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)

    def retry_after(self, address: str) -> int:
        """Seconds until `address` may try again; 0 when it may try now."""
        now = self.clock.now()
        attempts = self._failures.get(address)
        if not attempts:
            return 0
        while attempts and now - attempts[0] >= self.window:
            attempts.popleft()
        if len(attempts) < self.max_failures:
            return 0
        return max(1, int((attempts[0] + self.window - now).total_seconds()) + 1)

    def fail(self, address: str) -> None:
        if len(self._failures) >= MAX_TRACKED_ADDRESSES:
            self._forget_old()
        self._failures.setdefault(address, deque()).append(self.clock.now())

    def _forget_old(self) -> None:
        """Many guessing addresses must not grow memory without bound: drop the stale ones."""
        now = self.clock.now()
        for address in [
            a for a, t in self._failures.items() if not t or now - t[-1] >= self.window
        ]:
            del self._failures[address]


@dataclass(frozen=True)
class SessionData:
    sid: str
    authenticated: bool
    issued_at: int


@dataclass
class AuthState:
    """The token and the helpers built from it; one per app, on ``app.state.auth``."""

    token: str = field(repr=False)
    clock: Clock
    limiter: LoginLimiter
    revoked: set[str] = field(default_factory=set, repr=False)
    """Session ids logged out: a copied cookie dies with the logout (until a restart)."""
    _key: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._key = hmac.new(self.token.encode(), b"wabroadcast/session/v1", "sha256").digest()

    def token_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.encode(), self.token.encode())

    def _sign(self, data: bytes) -> str:
        digest = hmac.new(self._key, data, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def encode_session(self, session: SessionData) -> str:
        raw = json.dumps(
            {"sid": session.sid, "auth": int(session.authenticated), "iat": session.issued_at},
            separators=(",", ":"),
        ).encode()
        payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return f"{payload}.{self._sign(payload.encode())}"

    def decode_session(self, value: str) -> SessionData | None:
        """The session in a cookie, or None when it is forged, damaged or too old."""
        payload, _, signature = value.partition(".")
        if not signature or not hmac.compare_digest(signature, self._sign(payload.encode())):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            session = SessionData(str(data["sid"]), bool(data["auth"]), int(data["iat"]))
        except (ValueError, KeyError, TypeError):
            return None
        age = self.clock.now().timestamp() - session.issued_at
        fresh = 0 <= age <= SESSION_MAX_AGE.total_seconds()
        return session if fresh and session.sid not in self.revoked else None

    def new_session(self, *, authenticated: bool) -> SessionData:
        now = int(self.clock.now().timestamp())
        return SessionData(secrets.token_urlsafe(18), authenticated, now)

    def csrf_for(self, session: SessionData) -> str:
        return self._sign(b"csrf:" + session.sid.encode())
