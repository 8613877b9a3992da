"""Security headers on every answer, and a strict Content-Security-Policy on panel pages.

The panel has no inline script and loads nothing from other sites, so its pages can forbid
both; only the bar widths are inline `style` attributes, hence `style-src-attr`. FastAPI's own
interactive docs (`/docs`) use an inline script, so they get the other headers but not the
policy.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
ALWAYS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
NO_POLICY_PATHS = ("/docs", "/docs/oauth2-redirect")


class SecurityHeadersMiddleware:
    """Adds :data:`ALWAYS` to every HTTP answer and the policy to HTML ones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_policy = scope["path"] not in NO_POLICY_PATHS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in ALWAYS if item[0] not in present)
                content_type = dict(headers).get(b"content-type", b"")
                if with_policy and content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
