"""Failures below HTTP, over real sockets: uncertain (maybe sent) versus nothing sent."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import httpx
import pytest
from anyio.abc import SocketStream

from tests.cloudapi.live import closed_port, raw_server, serve
from tests.cloudapi.support import TOKEN, assert_no_token, make_client, sim_config
from wabroadcast.cloudapi import (
    CloudAPIError,
    GraphError,
    Outcome,
    UncertainError,
    default_http_client,
)
from wabroadcast.simulator import create_simulator


@pytest.mark.parametrize("accepts", [True, False])
@pytest.mark.anyio
async def test_timeout_on_send_is_uncertain(accepts: bool) -> None:
    """The client cannot tell whether Meta accepted a message it got no answer for."""
    app = create_simulator(sim_config(timeout_rate=1.0, hang_seconds=1.0, timeout_accepts=accepts))
    async with serve(app) as url, httpx.AsyncClient(timeout=0.2) as http:
        client = make_client(http, base_url=url)
        with pytest.raises(UncertainError) as info:
            await client.send_template("+905551234567", "daily_offer", "tr")
    assert info.value.outcome is Outcome.UNCERTAIN
    assert "ReadTimeout" in str(info.value)
    assert len(app.state.simulator.accepted) == (1 if accepts else 0)
    assert_no_token(info.value)


@pytest.mark.anyio
async def test_connection_refused_is_transient_not_uncertain() -> None:
    async with httpx.AsyncClient(timeout=2.0) as http:
        client = make_client(http, base_url=f"http://127.0.0.1:{closed_port()}")
        with pytest.raises(CloudAPIError) as info:
            await client.send_template("+905551234567", "daily_offer", "tr")
    assert not isinstance(info.value, UncertainError | GraphError)
    assert info.value.outcome is Outcome.TRANSIENT
    assert "nothing was sent" in str(info.value)
    assert_no_token(info.value)


async def _read_request_then_close(stream: SocketStream) -> None:
    """Read the whole request (headers and body), then hang up without answering."""
    data = b""
    async with stream:
        while b"\r\n\r\n" not in data:
            data += await stream.receive()
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        while len(body) < length:
            body += await stream.receive()


@pytest.mark.anyio
async def test_connection_dropped_after_the_request_is_uncertain() -> None:
    async with raw_server(_read_request_then_close) as url, httpx.AsyncClient() as http:
        client = make_client(http, base_url=url)
        with pytest.raises(UncertainError) as info:
            await client.send_template("+905551234567", "daily_offer", "tr")
    assert "RemoteProtocolError" in str(info.value)
    assert_no_token(info.value)


async def _drop_get(stream: SocketStream) -> None:
    async with stream:
        data = b""
        while b"\r\n\r\n" not in data:
            data += await stream.receive()


@pytest.mark.anyio
async def test_dropped_read_is_transient_because_reads_are_idempotent() -> None:
    async with raw_server(_drop_get) as url, httpx.AsyncClient() as http:
        client = make_client(http, base_url=url)
        with pytest.raises(CloudAPIError) as info:
            await client.phone_number_info()
    assert not isinstance(info.value, UncertainError)
    assert info.value.outcome is Outcome.TRANSIENT


@pytest.mark.anyio
async def test_pool_timeout_is_transient_nothing_sent() -> None:
    """All pooled connections busy: the request never left, so it is safe to retry."""
    app = create_simulator(sim_config(timeout_rate=1.0, hang_seconds=1.0))
    timeout = httpx.Timeout(5.0, pool=0.1)
    limits = httpx.Limits(max_connections=1)
    async with serve(app) as url, httpx.AsyncClient(timeout=timeout, limits=limits) as http:
        client = make_client(http, base_url=url)
        outcomes: list[BaseException] = []

        async def send(to: str) -> None:
            try:
                await client.send_template(to, "daily_offer", "tr")
            except CloudAPIError as exc:
                outcomes.append(exc)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(send, "+905551234567")
            await anyio.sleep(0.05)
            tasks.start_soon(send, "+905551234568")
    [refused] = outcomes
    assert not isinstance(refused, UncertainError)
    assert "PoolTimeout" in str(refused) and "nothing was sent" in str(refused)
    assert [m.wa_id for m in app.state.simulator.accepted] == ["905551234567"]


@pytest.mark.anyio
async def test_token_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = create_simulator(sim_config())
    async with serve(app) as url, httpx.AsyncClient() as http:
        client = make_client(http, base_url=url)
        await client.send_template("+905551234567", "daily_offer", "tr")
        await client.list_templates()
        await client.phone_number_info()
        with pytest.raises(GraphError):
            await client.send_template("+905551234567", "old_promo", "en_US")
    assert "Graph API error 132016" in caplog.text
    assert "httpcore" in caplog.text or "httpx" in caplog.text  # debug logging did run
    assert TOKEN not in caplog.text
    assert_no_token(client)


@pytest.mark.anyio
async def test_default_http_client_reuses_one_connection() -> None:
    app = create_simulator(sim_config())
    client_ports: set[int] = set()

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            client_ports.add(scope["client"][1])
        await app(scope, receive, send)

    async with serve(recording) as url, default_http_client(timeout=5.0) as http:
        client = make_client(http, base_url=url)
        for n in range(5):
            await client.send_template(f"+90555123456{n}", "daily_offer", "tr")
    assert len(client_ports) == 1  # keep-alive: one connection for all five
    assert len(app.state.simulator.accepted) == 5
