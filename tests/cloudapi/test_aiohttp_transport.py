"""The aiohttp transport over real sockets: the same uncertain / nothing-sent rules as httpx."""

from __future__ import annotations

import logging

import aiohttp
import anyio
import pytest

from tests.cloudapi.live import closed_port, raw_server, serve
from tests.cloudapi.support import TOKEN, assert_no_token, make_client, sim_config
from tests.cloudapi.test_transport import _drop_get, _read_request_then_close
from wabroadcast.cloudapi import CloudAPIError, GraphError, Outcome, UncertainError
from wabroadcast.cloudapi.transport import default_http_client
from wabroadcast.simulator import create_simulator


@pytest.mark.parametrize("accepts", [True, False])
@pytest.mark.anyio
async def test_timeout_on_send_is_uncertain(accepts: bool) -> None:
    app = create_simulator(sim_config(timeout_rate=1.0, hang_seconds=1.0, timeout_accepts=accepts))
    async with serve(app) as url, default_http_client(timeout=0.2) as http:
        client = make_client(http, base_url=url)
        with pytest.raises(UncertainError) as info:
            await client.send_template("+905551234567", "daily_offer", "tr")
    assert info.value.outcome is Outcome.UNCERTAIN
    assert "ReadTimeout" in str(info.value)
    assert len(app.state.simulator.accepted) == (1 if accepts else 0)
    assert_no_token(info.value)


@pytest.mark.anyio
async def test_connection_refused_is_transient_not_uncertain() -> None:
    async with default_http_client(timeout=2.0) as http:
        client = make_client(http, base_url=f"http://127.0.0.1:{closed_port()}")
        with pytest.raises(CloudAPIError) as info:
            await client.send_template("+905551234567", "daily_offer", "tr")
    assert not isinstance(info.value, UncertainError | GraphError)
    assert info.value.outcome is Outcome.TRANSIENT
    assert "nothing was sent" in str(info.value)
    assert_no_token(info.value)


@pytest.mark.anyio
async def test_connection_dropped_after_the_request_is_uncertain() -> None:
    async with raw_server(_read_request_then_close) as url, default_http_client() as http:
        client = make_client(http, base_url=url)
        with pytest.raises(UncertainError) as info:
            await client.send_template("+905551234567", "daily_offer", "tr")
    assert "ServerDisconnectedError" in str(info.value)
    assert_no_token(info.value)


@pytest.mark.anyio
async def test_dropped_read_is_transient_because_reads_are_idempotent() -> None:
    async with raw_server(_drop_get) as url, default_http_client() as http:
        client = make_client(http, base_url=url)
        with pytest.raises(CloudAPIError) as info:
            await client.phone_number_info()
    assert not isinstance(info.value, UncertainError)
    assert info.value.outcome is Outcome.TRANSIENT


@pytest.mark.anyio
async def test_pool_wait_past_the_connect_timeout_is_nothing_sent() -> None:
    """All pooled connections busy for longer than the connect timeout: never left."""
    app = create_simulator(sim_config(timeout_rate=1.0, hang_seconds=1.0))
    connector = aiohttp.TCPConnector(limit=1)
    timeout = aiohttp.ClientTimeout(total=5.0, connect=0.1)
    async with (
        serve(app) as url,
        aiohttp.ClientSession(connector=connector, timeout=timeout) as http,
    ):
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
    assert "nothing was sent" in str(refused)
    assert [m.wa_id for m in app.state.simulator.accepted] == ["905551234567"]


@pytest.mark.anyio
async def test_calls_classify_answers_and_never_log_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    app = create_simulator(sim_config())
    async with serve(app) as url, default_http_client() as http:
        client = make_client(http, base_url=url)
        sent = await client.send_template("+905551234567", "daily_offer", "tr")
        templates = await client.list_templates()
        info = await client.phone_number_info()
        with pytest.raises(GraphError) as error:
            await client.send_template("+905551234567", "old_promo", "en_US")
    assert sent.message_id.startswith("wamid.")
    assert "daily_offer" in {t.name for t in templates}
    assert info.throughput_level
    assert error.value.code == 132016
    assert [m.wa_id for m in app.state.simulator.accepted] == ["905551234567"]
    assert TOKEN not in caplog.text
    assert_no_token(client)
