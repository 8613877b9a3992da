"""Small parts of the engine: token bucket, retry policy, transitions, the sender pool."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest

from tests.engine.helpers import FakeClock, sim_config
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.domain.models import CampaignState
from wabroadcast.domain.transitions import TransitionError, can_move, check_move
from wabroadcast.engine.limits import EngineOptions
from wabroadcast.engine.pool import SenderPool, pools_for
from wabroadcast.engine.ratelimit import TokenBucket
from wabroadcast.engine.retry import RetryPolicy
from wabroadcast.simulator import create_simulator


@pytest.mark.anyio
async def test_token_bucket_spaces_slots_at_the_rate_and_holds_for_everyone() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10.0, now=clock.monotonic, sleep=clock.sleep, catch_up=0.0)
    start = clock.monotonic()
    for _ in range(21):
        await bucket.acquire()
    assert clock.monotonic() - start == pytest.approx(1.9, abs=1e-3)  # 21 slots, 0.1 s apart
    bucket.hold(5.0)
    before = clock.monotonic()
    await bucket.acquire()
    assert clock.monotonic() - before == pytest.approx(5.0, abs=1e-3)


@pytest.mark.anyio
async def test_token_bucket_lets_a_late_waiter_catch_up_only_briefly() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100.0, now=clock.monotonic, sleep=clock.sleep, catch_up=0.05)
    await bucket.acquire()
    clock.advance(10.0)  # idle for a long time: no burst of 1,000 slots
    start = clock.monotonic()
    for _ in range(16):
        await bucket.acquire()
    assert clock.monotonic() - start == pytest.approx(0.10, abs=0.011)


def test_retry_delays_grow_are_jittered_and_bounded() -> None:
    policy = RetryPolicy()
    rng = random.Random(1)
    delays = [policy.transient_delay(n, rng) for n in range(1, 12)]
    assert all(0 < d <= policy.max_delay for d in delays)
    assert delays[3] > delays[0]
    assert len({round(policy.transient_delay(2, rng), 6) for _ in range(20)}) > 1
    assert policy.pair_delay(1, rng) >= 4.0 and policy.pair_delay(2, rng) >= 16.0
    assert policy.throttle_pause(30, rng) <= policy.throttle_max_delay
    limits = EngineOptions()
    assert policy.worst_case_seconds() < limits.stale_claim_after.total_seconds()


def test_in_flight_follows_rate_and_latency() -> None:
    options = EngineOptions()
    assert options.in_flight_for(80, 0.15) == 18
    assert options.in_flight_for(1000, 0.15) == 225
    assert options.in_flight_for(1000, 5.0) == options.max_in_flight
    assert options.claim_batch(80) == 20 and options.claim_batch(1000) == 250
    assert pools_for(18) == 1 and pools_for(225) == 1  # one aiohttp session suffices


def test_transitions() -> None:
    assert can_move(CampaignState.RUNNING, CampaignState.PAUSED)
    assert can_move(CampaignState.PAUSED, CampaignState.RUNNING)
    assert not can_move(CampaignState.COMPLETED, CampaignState.RUNNING)
    with pytest.raises(TransitionError, match="campaign 7 is cancelled; it cannot change"):
        check_move(7, CampaignState.CANCELLED, CampaignState.RUNNING)
    with pytest.raises(TransitionError, match="campaign 7 is paused; it cannot be completed"):
        check_move(7, CampaignState.PAUSED, CampaignState.COMPLETED)


@pytest.mark.anyio
async def test_sender_pool_spreads_requests_in_flight() -> None:
    app = create_simulator(sim_config(latency=0.05, latency_jitter=0.0))
    config = app.state.simulator.config
    https = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) for _ in range(3)]
    try:
        clients = [
            CloudAPIClient(
                h,
                base_url="http://sim",
                version="v25.0",
                phone_number_id=config.phone_number_id,
                waba_id=config.waba_id,
                access_token=config.access_token,
            )
            for h in https
        ]
        pool = SenderPool(clients)
        peak: list[int] = []

        async def one(i: int) -> str:
            result = await pool.send_template(f"+90555{i:07d}", "daily_offer", "tr")
            return result.message_id

        async def watch() -> None:
            for _ in range(5):
                await asyncio.sleep(0.01)
                peak.append(max(pool._busy) - min(pool._busy))

        ids, _ = await asyncio.gather(asyncio.gather(*(one(i) for i in range(9))), watch())
        assert len(set(ids)) == 9
        assert max(peak) <= 1  # balanced across the three pools
        assert (await pool.phone_number_info()).daily_limit == 10000
    finally:
        for h in https:
            await h.aclose()
