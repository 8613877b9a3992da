"""CloudAPIClient: the three Cloud API calls wabroadcast makes, with every failure classified.

One pooled keep-alive ``aiohttp.ClientSession`` is injected and shared by the process (the
engine sends at up to 80–1,000 messages per second; a new TLS connection per message would not
keep up, and httpx's pool costs 100× aiohttp's CPU per request — see transport.py). An
``httpx.AsyncClient`` is accepted too, for ASGI apps in the same process. The access token
is added per request, so the shared client never holds it, and it is scrubbed from every
error text we build.

What can go wrong, and what the caller sees::

    Meta answers with an error body      → GraphError (classified by code, see errors.py)
    connect/pool failure, nothing sent   → CloudAPIError (transient: safe to retry)
    timeout or drop after the request    → UncertainError on sends (Meta may have accepted it:
    was written, or a 200 we can't read    never re-send); CloudAPIError on reads (idempotent)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import SecretStr

from wabroadcast.cloudapi.errors import CloudAPIError, GraphError, UncertainError
from wabroadcast.cloudapi.marketing import Endpoint, MarketingOptions
from wabroadcast.cloudapi.payloads import (
    PHONE_NUMBER_FIELDS,
    TEMPLATE_FIELDS,
    PayloadError,
    PhoneNumberInfo,
    SendResult,
    TemplateInfo,
    parse_phone_number,
    parse_send_result,
    parse_template,
    template_message,
)
from wabroadcast.cloudapi.transport import HTTPClient, NoAnswer, NotSent, as_transport
from wabroadcast.config import Settings, mask

log = logging.getLogger(__name__)

SANDBOX_ACCESS_TOKEN = "wabroadcast-sandbox-token"
"""The token client and simulator share when WHATSAPP_ACCESS_TOKEN is unset (sandbox mode)."""

TEMPLATE_PAGE_SIZE = 100
MAX_TEMPLATE_PAGES = 1000  # 250–6,000 templates per WABA; a cursor loop must still end


class CloudAPIClient:
    """Sends templates and reads templates / number limits for one phone number."""

    def __init__(
        self,
        http: HTTPClient,
        *,
        base_url: str,
        version: str,
        phone_number_id: str,
        waba_id: str,
        access_token: SecretStr | str,
    ) -> None:
        self._http = http
        self._transport = as_transport(http)
        self.base_url = base_url.rstrip("/")
        self.version = version
        self.phone_number_id = phone_number_id
        self.waba_id = waba_id
        token = (
            access_token.get_secret_value() if isinstance(access_token, SecretStr) else access_token
        )
        if not token:
            raise ValueError("an access token is required")
        self._token = SecretStr(token)

    def __repr__(self) -> str:
        return (
            f"CloudAPIClient(base_url={self.base_url!r}, version={self.version!r}, "
            f"phone_number_id={self.phone_number_id!r}, waba_id={self.waba_id!r}, "
            f"access_token={mask(self._token.get_secret_value())!r})"
        )

    @classmethod
    def from_settings(cls, http: HTTPClient, settings: Settings) -> CloudAPIClient:
        """A client for the configured number; in sandbox mode the simulator's token."""
        token = settings.whatsapp_access_token
        host = urlsplit(settings.graph_api_url).hostname or ""
        if token is None and host.endswith("facebook.com"):
            raise ValueError("WHATSAPP_ACCESS_TOKEN is not set, so the Graph API cannot be used")
        return cls(
            http,
            base_url=settings.graph_api_url,
            version=settings.graph_api_version,
            phone_number_id=settings.phone_number_id,
            waba_id=settings.waba_id,
            access_token=token if token is not None else SANDBOX_ACCESS_TOKEN,
        )

    def for_number(self, phone_number_id: str) -> CloudAPIClient:
        """The same account, pool and token, sending from another business number."""
        return CloudAPIClient(
            self._http,
            base_url=self.base_url,
            version=self.version,
            phone_number_id=phone_number_id,
            waba_id=self.waba_id,
            access_token=self._token,
        )

    # -- calls -----------------------------------------------------------------------------

    async def send_template(
        self,
        to: str,
        template: str,
        language: str,
        components: Sequence[dict[str, Any]] | None = None,
        callback_data: str | None = None,
        *,
        marketing: MarketingOptions | None = None,
    ) -> SendResult:
        """POST /messages, or /marketing_messages with `marketing` (the MM API, marketing.py).
        A digits-only `to` gets a `+`: without it Meta would prepend the business number's
        country code (cloudapi.md §6) and message a different number."""
        recipient = "+" + to if to.isdigit() else to
        body = template_message(recipient, template, language, components, callback_data)
        endpoint = Endpoint.MESSAGES
        if marketing is not None:
            body, endpoint = marketing.apply(body), Endpoint.MARKETING_MESSAGES
        answer = await self._request(
            "POST", f"{self.phone_number_id}/{endpoint}", payload=body, idempotent=False
        )
        try:
            return parse_send_result(answer)
        except PayloadError as exc:
            # HTTP 200 means accepted; without an id we cannot prove otherwise.
            raise UncertainError(f"send accepted but the answer is unreadable: {exc}") from None

    async def list_templates(self, *, status: str | None = None) -> list[TemplateInfo]:
        """Every template of the WABA, all pages. `paging.next` only tells us there is more:
        we build the next request from `cursors.after` on our own base URL, so the token never
        goes to a host we were not configured for."""
        params: dict[str, str] = {"fields": TEMPLATE_FIELDS, "limit": str(TEMPLATE_PAGE_SIZE)}
        if status:
            params["status"] = status
        templates: list[TemplateInfo] = []
        for _ in range(MAX_TEMPLATE_PAGES):
            page = await self._request(
                "GET", f"{self.waba_id}/message_templates", params=params, idempotent=True
            )
            data = page.get("data") if isinstance(page, dict) else None
            if not isinstance(data, list):
                raise CloudAPIError("message_templates answer has no data list")
            try:
                templates.extend(parse_template(item) for item in data)
            except PayloadError as exc:
                raise CloudAPIError(str(exc)) from None
            after = _next_cursor(page)
            if after is None or not data:
                return templates
            params = {**params, "after": after}
        raise CloudAPIError(f"message_templates paging did not end after {MAX_TEMPLATE_PAGES}")

    async def phone_number_info(self) -> PhoneNumberInfo:
        """Throughput level, messaging limit tier and quality in one call (cloudapi.md §3)."""
        body = await self._request(
            "GET", self.phone_number_id, params={"fields": PHONE_NUMBER_FIELDS}, idempotent=True
        )
        try:
            return parse_phone_number(body)
        except PayloadError as exc:
            raise CloudAPIError(str(exc)) from None

    # -- transport -------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        payload: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        url = f"{self.base_url}/{self.version}/{path}"
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        body = None if payload is None else _encode(payload)
        try:
            status, content = await self._transport.request(
                method, url, body=body, params=params, headers=headers
            )
        except NotSent as exc:
            raise CloudAPIError(
                f"{method} {path}: could not reach the Cloud API, nothing was sent "
                f"({self._scrub(str(exc))})"
            ) from None
        except NoAnswer as exc:
            text = f"{method} {path}: no answer ({self._scrub(str(exc))})"
            if idempotent:
                raise CloudAPIError(text) from None
            raise UncertainError(text + "; the message may have been accepted") from None
        return self._answer(status, content, idempotent=idempotent)

    def _answer(self, status: int, content: bytes, *, idempotent: bool) -> Any:
        try:
            body: Any = json.loads(content) if content else None
        except ValueError:
            body = None
        if 200 <= status < 300:
            if body is None and not idempotent:
                raise UncertainError(f"HTTP {status} with an unreadable body")
            if body is None:
                raise CloudAPIError(f"HTTP {status} with an unreadable body")
            return body
        error = GraphError.from_body(body, status)
        if error.code is None and status == 504 and not idempotent:
            # A gateway timeout is a timeout one hop further: Meta may have accepted it.
            raise UncertainError("HTTP 504 gateway timeout; the message may have been accepted")
        error = self._scrubbed(error)
        log.warning(
            "Graph API error %s (%s) HTTP %s fbtrace_id=%s",
            error.code,
            error.outcome.value,
            error.http_status,
            error.fbtrace_id,
        )
        raise error

    def _scrub(self, text: str) -> str:
        token = self._token.get_secret_value()
        return text.replace(token, "****") if token else text

    def _scrubbed(self, error: GraphError) -> GraphError:
        """Rebuild ``error`` with the token removed from its texts (defence in depth)."""
        token = self._token.get_secret_value()
        if token not in error.message and token not in (error.details or ""):
            return error
        return GraphError(
            code=error.code,
            message=self._scrub(error.message),
            http_status=error.http_status,
            details=self._scrub(error.details) if error.details is not None else None,
            subcode=error.subcode,
            fbtrace_id=error.fbtrace_id,
            is_transient=error.is_transient,
        )


def _encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _next_cursor(page: Any) -> str | None:
    """The `after` cursor when the page says there is a next one."""
    paging = page.get("paging") if isinstance(page, dict) else None
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    if not after:  # some proxies drop cursors; the cursor is also in the next URL
        after = parse_qs(urlsplit(str(paging["next"])).query).get("after", [None])[0]
    return str(after) if after else None
