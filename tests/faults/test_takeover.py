"""Several sending processes on one campaign: the lease lets one send, a kill -9 hands over.

Counted against the simulator's ground-truth JSONL log (what the simulated Meta accepted),
not against what the processes believe they sent.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.engine.helpers import add_contacts, served, sim_config
from tests.faults.helpers import (
    campaign_done,
    holder_pid,
    new_campaign,
    send_states,
    sender_env,
    start_sender,
    stop_all,
    truth,
    truth_ids,
    wait_for,
)
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine import summary_of
from wabroadcast.engine.lease import try_acquire
from wabroadcast.simulator import create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send

pytestmark = pytest.mark.slow
log_ = logging.getLogger(__name__)

KILLS = 20
CONTACTS = 900
LEASE_SECONDS = "1.5"


def kill_holders(
    database: Database,
    campaign_id: int,
    env: dict[str, str],
    tmp_path: Path,
    rng: random.Random,
) -> int:
    """Keep two senders alive; kill -9 whichever holds the lease at a random moment."""
    processes = [start_sender(campaign_id, env, tmp_path) for _ in range(2)]
    kills = 0
    try:
        while kills < KILLS and not campaign_done(database, campaign_id):
            wait_for(
                lambda: (
                    holder_pid(database) in {p.pid for p in processes}
                    or campaign_done(database, campaign_id)
                ),
                timeout=30,
                what="a live sender to take the lease over",
            )
            time.sleep(rng.uniform(0.1, 1.0))
            pid = holder_pid(database)
            victim = next((p for p in processes if p.pid == pid), None)
            if victim is None:
                continue
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(timeout=10)
            kills += 1
            processes.remove(victim)
            processes.append(start_sender(campaign_id, env, tmp_path))
        wait_for(lambda: campaign_done(database, campaign_id), 90, "the campaign to finish")
        for process in processes:  # the survivors see it finished and exit on their own
            process.wait(timeout=30)
    finally:
        stop_all(processes)
    return kills


def test_kill_9_of_the_holder_20_times_takeover_sends_no_pair_twice(
    database: Database, tmp_path: Path
) -> None:
    add_contacts(database, CONTACTS)
    campaign_id = new_campaign(database, CONTACTS)
    log = tmp_path / "truth.jsonl"
    sim_app = create_simulator(sim_config(latency=0.03, latency_jitter=0.02, log_path=log))
    with served(sim_app) as url:
        env = sender_env(database, url, SEND_RATE="30", SENDER_LEASE_SECONDS=LEASE_SECONDS)
        started = time.monotonic()
        kills = kill_holders(database, campaign_id, env, tmp_path, random.Random(9))
        elapsed = time.monotonic() - started
    assert kills == KILLS, f"only {kills} kills before the campaign finished"
    pairs = truth(log)
    assert pairs and max(pairs.values()) == 1, "a pair was sent twice"
    summary = summary_of(database, campaign_id)
    assert summary.state == CampaignState.COMPLETED
    states = send_states(database, campaign_id)
    assert states[SendState.CLAIMED.value] == 0, "claims left forgotten"
    assert sum(states.values()) == CONTACTS  # every contact: accepted or visibly unknown
    with database.session() as session:
        sends = {s.phone.lstrip("+"): s for s in session.query(Send)}
    for _, wa_id in pairs:  # nothing went out without a claim that says so
        assert sends[wa_id].state in (SendState.ACCEPTED.value, SendState.UNKNOWN.value)
    accepted = {s.message_id for s in sends.values() if s.state == SendState.ACCEPTED.value}
    assert accepted <= truth_ids(log)
    assert summary.accepted == len(accepted)
    log_.info("%d kills in %.1f s; final sends: %s", kills, elapsed, dict(states))


def test_two_processes_starting_the_same_campaign_at_once_send_no_pair_twice(
    database: Database, tmp_path: Path
) -> None:
    add_contacts(database, 300)
    campaign_id = new_campaign(database, 300)
    log = tmp_path / "truth.jsonl"
    sim_app = create_simulator(sim_config(latency=0.02, latency_jitter=0.01, log_path=log))
    with served(sim_app) as url:
        env = sender_env(database, url, SEND_RATE="150", SENDER_LEASE_SECONDS="3")
        outputs = [tmp_path / f"sender{i}.txt" for i in range(2)]
        processes = [start_sender(campaign_id, env, tmp_path, log=out) for out in outputs]
        try:
            codes = [p.wait(timeout=60) for p in processes]
        finally:
            stop_all(processes)
    assert codes == [0, 0]
    pairs = truth(log)
    assert sum(pairs.values()) == 300 and max(pairs.values()) == 1
    assert summary_of(database, campaign_id).state == CampaignState.COMPLETED
    assert send_states(database, campaign_id) == {SendState.ACCEPTED.value: 300}
    text = "".join(out.read_text() for out in outputs)
    assert "sending from another process" in text  # one of them waited for the lease


def test_a_finished_holder_hands_the_number_over_without_waiting_the_ttl(
    database: Database, tmp_path: Path
) -> None:
    add_contacts(database, 40)
    first, second = new_campaign(database, 20), new_campaign(database, 20)
    log = tmp_path / "truth.jsonl"
    with served(create_simulator(sim_config(log_path=log))) as url:
        env = sender_env(database, url, SEND_RATE="200", SENDER_LEASE_SECONDS="60")
        started = time.monotonic()
        for campaign_id in (first, second):
            process = start_sender(campaign_id, env, tmp_path)
            assert process.wait(timeout=60) == 0
        elapsed = time.monotonic() - started
    assert elapsed < 60  # the second run did not wait for the first lease to expire
    assert sum(truth(log).values()) == 40
    assert holder_pid(database) is None


def test_sender_output_names_the_lease_holder(database: Database, tmp_path: Path) -> None:
    """`campaign run` tells the user why it waits, and who holds the number.

    The other holder's lease outlives the sender's start-up even on a busy machine (20 s; the
    sender's own lease settings are 3 s): it must find the number taken, then take it over."""
    add_contacts(database, 5)
    campaign_id = new_campaign(database, 5)
    assert try_acquire(database, "106540352242922", "elsewhere:1:abc", datetime.now(UTC), 20)[0]
    with served(create_simulator(sim_config())) as url:
        env = sender_env(database, url, SENDER_LEASE_SECONDS="3")
        out = tmp_path / "out.txt"
        process = start_sender(campaign_id, env, tmp_path, log=out)
        try:
            assert process.wait(timeout=120) == 0
        except subprocess.TimeoutExpired:
            stop_all([process])
            raise
    text = out.read_text()
    assert "elsewhere:1:abc" in text and "waits" in text
    assert summary_of(database, campaign_id).state == CampaignState.COMPLETED
