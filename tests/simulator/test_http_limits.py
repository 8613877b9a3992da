"""Throughput (130429), pair limit (131056), latency and failure injection, with a seed."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.simulator.http_support import (
    AUTH,
    MESSAGES,
    Clock,
    error_of,
    simulator_http,
    template_body,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_throughput_bucket_refuses_then_refills() -> None:
    clock = Clock()
    async with simulator_http(monotonic=clock, rate=10.0) as (http, simulator):
        codes = []
        for n in range(11):
            response = await http.post(
                MESSAGES, headers=AUTH, json=template_body(to=f"+9055512345{n:02d}")
            )
            codes.append(response.status_code)
        refused = error_of(response)
        clock.now += 0.1  # one token back at 10 per second
        again = await http.post(MESSAGES, headers=AUTH, json=template_body(to="+905551234599"))
    assert codes == [200] * 10 + [400]
    assert refused["code"] == 130429
    assert refused["error_data"]["details"] == "Cloud API message throughput has been reached."
    assert again.status_code == 200
    assert len(simulator.accepted) == 11


@pytest.mark.anyio
async def test_burst_option_sets_the_bucket_size() -> None:
    clock = Clock()
    async with simulator_http(monotonic=clock, rate=100.0, burst=3) as (http, _):
        statuses = [
            (
                await http.post(MESSAGES, headers=AUTH, json=template_body(to=f"+90555123450{n}"))
            ).status_code
            for n in range(4)
        ]
    assert statuses == [200, 200, 200, 400]


@pytest.mark.anyio
async def test_pair_limit_allows_a_burst_of_45_then_one_per_6_seconds() -> None:
    """cloudapi.md §3: 1 message / 6 s to one user, bursts up to 45 borrow future quota."""
    clock = Clock()
    async with simulator_http(monotonic=clock, rate=1000.0) as (http, simulator):
        bodies = [template_body(name="daily_offer", language="tr")] * 45
        for body in bodies:
            assert (await http.post(MESSAGES, headers=AUTH, json=body)).status_code == 200
        refused = await http.post(MESSAGES, headers=AUTH, json=bodies[0])
        other = await http.post(MESSAGES, headers=AUTH, json=template_body(to="+905559999999"))
        clock.now += 5.9
        still = await http.post(MESSAGES, headers=AUTH, json=bodies[0])
        clock.now += 0.2
        later = await http.post(MESSAGES, headers=AUTH, json=bodies[0])
    assert error_of(refused)["code"] == 131056
    assert other.status_code == 200
    assert error_of(still)["code"] == 131056
    assert later.status_code == 200
    assert len(simulator.accepted) == 47


@pytest.mark.anyio
async def test_refused_sends_are_not_recorded() -> None:
    clock = Clock()
    async with simulator_http(monotonic=clock, pair_burst=1) as (http, simulator):
        await http.post(MESSAGES, headers=AUTH, json=template_body())
        await http.post(MESSAGES, headers=AUTH, json=template_body())
    assert len(simulator.accepted) == 1
    assert simulator.counters == {"requests": 2, "accepted": 1, "errors": 1}


@pytest.mark.anyio
async def test_latency_delays_answers() -> None:
    async with simulator_http(latency=0.1, latency_jitter=0.0) as (http, _):
        started = time.monotonic()
        response = await http.post(MESSAGES, headers=AUTH, json=template_body())
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed >= 0.09


@pytest.mark.anyio
async def test_injected_hang_answers_late_after_accepting() -> None:
    async with simulator_http(timeout_rate=1.0, hang_seconds=0.2) as (http, simulator):
        started = time.monotonic()
        response = await http.post(MESSAGES, headers=AUTH, json=template_body())
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed >= 0.19
    assert len(simulator.accepted) == 1


@pytest.mark.anyio
async def test_injected_hang_without_accepting_ends_in_131016() -> None:
    options: dict[str, Any] = {"timeout_rate": 1.0, "hang_seconds": 0.05, "timeout_accepts": False}
    async with simulator_http(**options) as (http, simulator):
        response = await http.post(MESSAGES, headers=AUTH, json=template_body())
    assert (response.status_code, error_of(response)["code"]) == (503, 131016)
    assert simulator.accepted == []


async def _run(seed: int, **options: Any) -> list[tuple[int, str]]:
    """Status and message id (or error code) of 40 sends under injected 5xx."""
    out = []
    async with simulator_http(seed=seed, error_5xx_rate=0.3, **options) as (http, _):
        for n in range(40):
            response = await http.post(
                MESSAGES, headers=AUTH, json=template_body(to=f"+9055512345{n:02d}")
            )
            if response.status_code == 200:
                out.append((200, response.json()["messages"][0]["id"]))
            else:
                out.append((response.status_code, response.text[:40]))
    return out


@pytest.mark.anyio
async def test_same_seed_same_run_other_seed_other_run() -> None:
    first, second, other = await _run(11), await _run(11), await _run(12)
    assert first == second
    assert first != other
    statuses = {status for status, _ in first}
    assert 200 in statuses and statuses - {200} <= {500, 502, 503}
    assert len(statuses) > 1
