"""One or more Cloud API clients behind one TemplateSender.

At 1,000 msg/s and 150 ms latency the engine needs ~225 requests in flight. httpx's pool cost
CPU in proportion to its size on every request, so sends used to be spread over several small
pools; aiohttp's connector does not (0.13 ms of CPU per request at 200 in flight), so
``sender_pool`` opens one session sized for every request in flight. SenderPool still spreads
sends over several clients when given more than one (e.g. one per number), least busy first.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import aiohttp

from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.cloudapi.marketing import MarketingOptions
from wabroadcast.cloudapi.payloads import PhoneNumberInfo, SendResult, TemplateInfo
from wabroadcast.cloudapi.transport import default_http_client

POOL_SIZE = 1024
"""Connections per session; above any in-flight count the engine uses (max_in_flight)."""


class SenderPool:
    """Sends through the least busy of several clients; reads go to the first."""

    def __init__(self, clients: Sequence[CloudAPIClient]) -> None:
        if not clients:
            raise ValueError("at least one client is needed")
        self.clients = list(clients)
        self._busy = [0] * len(self.clients)

    async def send_template(
        self,
        to: str,
        template: str,
        language: str,
        components: Any = None,
        callback_data: str | None = None,
        *,
        marketing: MarketingOptions | None = None,
    ) -> SendResult:
        index = min(range(len(self.clients)), key=self._busy.__getitem__)
        self._busy[index] += 1
        try:
            return await self.clients[index].send_template(
                to,
                template,
                language,
                components=components,
                callback_data=callback_data,
                marketing=marketing,
            )
        finally:
            self._busy[index] -= 1

    async def list_templates(self) -> list[TemplateInfo]:
        return await self.clients[0].list_templates()

    async def phone_number_info(self) -> PhoneNumberInfo:
        return await self.clients[0].phone_number_info()


def pools_for(in_flight: int) -> int:
    return max(1, math.ceil(in_flight / POOL_SIZE))


@asynccontextmanager
async def sender_pool(
    make_client: Callable[[aiohttp.ClientSession], CloudAPIClient],
    in_flight: int,
    *,
    make_http: Callable[[int], aiohttp.ClientSession] | None = None,
) -> AsyncIterator[SenderPool]:
    """Open sessions enough for `in_flight` requests (one, in practice); closed on exit."""
    factory = make_http or (lambda size: default_http_client(max_connections=size))
    count = pools_for(in_flight)
    size = max(1, math.ceil(in_flight / count))
    async with AsyncExitStack() as stack:
        clients = []
        for _ in range(count):
            http = await stack.enter_async_context(factory(size))
            clients.append(make_client(http))
        yield SenderPool(clients)
