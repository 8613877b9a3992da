"""`wabroadcast serve`'s uvicorn set-up, over a real socket: client address, access log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from tests.engine.helpers import free_port
from tests.web.api.harness import GRAPH_URL, TOKEN, app_settings, simulator_config
from wabroadcast.app import create_app
from wabroadcast.cli.serve import server_config
from wabroadcast.config import Settings
from wabroadcast.simulator.app import create_simulator
from wabroadcast.web.access_log import ACCESS_LOGGER, mask_query

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Lines]]:
    cloud_http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_simulator(simulator_config())),
        base_url=GRAPH_URL,
    )
    app = create_app(settings, cloud_http=cloud_http)
    port = free_port()
    server = uvicorn.Server(server_config(app, settings, host="127.0.0.1", port=port))
    lines = Lines()
    access = logging.getLogger(ACCESS_LOGGER)
    access.addHandler(lines)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(30):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield client, lines
    finally:
        server.should_exit = True
        await task
        access.removeHandler(lines)
        await cloud_http.aclose()


def test_secret_query_values_are_masked() -> None:
    assert (
        mask_query("/webhook?hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=42")
        == "/webhook?hub.mode=subscribe&hub.verify_token=****&hub.challenge=42"
    )
    assert mask_query("/contacts?token=abc&page=2") == "/contacts?token=****&page=2"
    assert mask_query("/contacts?page=2") == "/contacts?page=2"


async def test_the_access_log_never_shows_the_verify_token(settings: Settings) -> None:
    secret = "verify-" + "q" * 30
    served_settings = app_settings(settings, verify_token=SecretStr(secret))
    async with served(served_settings) as (client, lines):
        params = {"hub.mode": "subscribe", "hub.verify_token": secret, "hub.challenge": "42"}
        answer = await client.get("/webhook", params=params)
        assert answer.status_code == 200 and answer.text == "42"
        await client.get("/api/stats", params={"token": TOKEN})
    logged = "\n".join(lines.lines)
    assert "/webhook?" in logged and "hub.verify_token=****" in logged
    assert secret not in logged and TOKEN not in logged


def test_access_log_off_leaves_uvicorn_nothing_to_write_to(settings: Settings) -> None:
    """uvicorn writes an access line only while its access logger has a handler (it checks
    once per connection); ACCESS_LOG=false must leave it none, and the default keeps it."""
    access = logging.getLogger(ACCESS_LOGGER)
    server_config(object(), app_settings(settings, access_log=False), host="127.0.0.1", port=1)
    assert not access.hasHandlers()
    server_config(object(), app_settings(settings), host="127.0.0.1", port=1)
    assert access.hasHandlers()


async def _wrong_guesses(client: httpx.AsyncClient, forwarded_for: str, count: int) -> list[int]:
    codes = []
    for _ in range(count):
        answer = await client.get(
            "/api/stats",
            headers={"Authorization": "Bearer wrong", "X-Forwarded-For": forwarded_for},
        )
        codes.append(answer.status_code)
    return codes


async def test_a_trusted_proxy_limits_each_client_on_its_own(settings: Settings) -> None:
    # Default FORWARDED_ALLOW_IPS is loopback: this test's client is the trusted proxy.
    async with served(app_settings(settings)) as (client, _):
        assert await _wrong_guesses(client, "203.0.113.5", 6) == [401] * 5 + [429]
        assert await _wrong_guesses(client, "203.0.113.6", 1) == [401]
        right = await client.get(
            "/api/stats",
            headers={"Authorization": f"Bearer {TOKEN}", "X-Forwarded-For": "203.0.113.5"},
        )
        assert right.status_code == 200


async def test_an_untrusted_peer_cannot_pick_its_address(settings: Settings) -> None:
    untrusted = app_settings(settings, forwarded_allow_ips="192.0.2.1")
    async with served(untrusted) as (client, _):
        assert await _wrong_guesses(client, "203.0.113.5", 5) == [401] * 5
        # A new X-Forwarded-For does not buy new guesses: the peer address is what counts.
        assert await _wrong_guesses(client, "203.0.113.7", 1) == [429]
