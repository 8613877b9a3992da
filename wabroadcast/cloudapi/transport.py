"""The HTTP under CloudAPIClient: aiohttp on the send path, httpx for in-process ASGI apps.

Measured on this project (2 cores, stand-in Graph API answering after 150 ms, 200 requests in
flight): httpx spent 14.8 ms of CPU per request, most of it in its connection pool's request
assignment; aiohttp spent 0.13 ms. So a process's Cloud API traffic goes through one pooled
``aiohttp.ClientSession``. httpx stays for one job aiohttp cannot do: calling an ASGI app in
the same process (the sandbox's built-in simulator, and tests that use ``httpx.MockTransport``).

Both answer ``(status, body bytes)`` and raise one of two errors, so the client classifies
failures the same way whichever is used::

    NotSent   connect/pool failure: the request never left, safe to retry
    NoAnswer  timeout or drop after the request may have been written
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

import aiohttp
import httpx

DEFAULT_TIMEOUT = 15.0
CONNECT_TIMEOUT = 5.0
KEEPALIVE_SECONDS = 2.0
"""Idle connections are dropped after 2 s, before a server's own keep-alive timeout (uvicorn,
which runs the simulator, closes at 5 s): reusing a connection the server is closing fails,
which would make a send needlessly uncertain."""


class TransportFailure(Exception):
    """Base of the two transport outcomes; ``kind`` names the underlying error class."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


class NotSent(TransportFailure):
    """Nothing reached the server (no connection, no free pool slot, bad URL)."""


class NoAnswer(TransportFailure):
    """The request may have been written but no complete answer came back."""


class Transport(Protocol):
    async def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None,
        params: dict[str, str] | None,
        headers: dict[str, str],
    ) -> tuple[int, bytes]: ...


class AiohttpTransport:
    """Requests over a shared ``aiohttp.ClientSession`` (its pool, its timeouts)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None,
        params: dict[str, str] | None,
        headers: dict[str, str],
    ) -> tuple[int, bytes]:
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        try:
            async with self.session.request(
                method, url, data=body, params=params, headers=headers
            ) as response:
                return response.status, await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.InvalidURL) as exc:
            raise NotSent(type(exc).__name__, str(exc)) from None
        except aiohttp.ConnectionTimeoutError as exc:  # connect or pool wait: nothing written
            raise NotSent("ConnectTimeout", str(exc)) from None
        except TimeoutError as exc:  # aiohttp's read timeout (ServerTimeoutError is one too)
            raise NoAnswer("ReadTimeout", str(exc)) from None
        except aiohttp.ClientError as exc:
            raise NoAnswer(type(exc).__name__, str(exc)) from None


class HttpxTransport:
    """Requests over an ``httpx.AsyncClient``: for ASGI apps served in the same process."""

    NOT_SENT = (
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.PoolTimeout,
        httpx.ProxyError,
        httpx.UnsupportedProtocol,
        httpx.LocalProtocolError,
    )

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None,
        params: dict[str, str] | None,
        headers: dict[str, str],
    ) -> tuple[int, bytes]:
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        try:
            response = await self.client.request(
                method, url, content=body, params=params, headers=headers
            )
        except self.NOT_SENT as exc:
            raise NotSent(type(exc).__name__, str(exc)) from None
        except httpx.TransportError as exc:
            raise NoAnswer(type(exc).__name__, str(exc)) from None
        return response.status_code, response.content


HTTPClient = aiohttp.ClientSession | httpx.AsyncClient | Transport
"""What CloudAPIClient accepts: a session, an httpx client or any Transport."""


def as_transport(http: HTTPClient) -> Transport:
    if isinstance(http, aiohttp.ClientSession):
        return AiohttpTransport(http)
    if isinstance(http, httpx.AsyncClient):
        return HttpxTransport(http)
    return http


def default_http_client(
    timeout: float = DEFAULT_TIMEOUT, max_connections: int = 100
) -> aiohttp.ClientSession:
    """The one pooled keep-alive session a process should share for the Cloud API.

    Must be created inside the running event loop (aiohttp binds to it). ``max_connections``
    caps requests in flight; a request waiting longer than the connect timeout for a free
    connection fails as not sent.
    """
    connector = aiohttp.TCPConnector(
        limit=max_connections,
        limit_per_host=max_connections,
        keepalive_timeout=KEEPALIVE_SECONDS,
        ttl_dns_cache=300,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(
            total=timeout, connect=min(timeout, CONNECT_TIMEOUT), sock_read=timeout
        ),
        json_serialize=_no_json,
        skip_auto_headers=("User-Agent",),
        headers={"User-Agent": "wabroadcast"},
    )


def _no_json(value: Any) -> str:
    raise TypeError("bodies are encoded by CloudAPIClient")


async def close_quietly(http: aiohttp.ClientSession | httpx.AsyncClient) -> None:
    """Close either kind of client; aiohttp needs a moment for its connections to shut."""
    if isinstance(http, aiohttp.ClientSession):
        await http.close()
        await asyncio.sleep(0)
    else:
        await http.aclose()
