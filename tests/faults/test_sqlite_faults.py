"""SQLite locked past busy_timeout, and SQLite on a full disk: a clear error, no corruption,
and nothing answered 200 on /webhook that was not stored."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.engine.helpers import add_contacts, eventually
from tests.faults.helpers import new_campaign, send_states, truth
from tests.faults.inprocess import APP_SECRET, fault_settings, rig, stored_message_ids
from tests.faults.test_webhook_flood import status_body
from wabroadcast.config import Settings
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine.lease import LeaseOptions
from wabroadcast.engine.manager import run_with_lease
from wabroadcast.simulator.callbacks import sign
from wabroadcast.storage.db import Database
from wabroadcast.webhooks.routes import build_webhook_router

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

BUSY_TIMEOUT = 30.0  # storage/db.py: PRAGMA busy_timeout=30000


def integrity(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def hold_write_lock(path: Path, seconds: float, held: threading.Event) -> None:
    """Another connection holding a write transaction (BEGIN IMMEDIATE) for `seconds`."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)  # the fault itself: a lock held this long
        connection.execute("ROLLBACK")


async def post(http: httpx.AsyncClient, body: bytes) -> int:
    headers = {"X-Hub-Signature-256": sign(APP_SECRET, body), "Content-Type": "application/json"}
    return (await http.post("/webhook", content=body, headers=headers)).status_code


async def test_database_locked_longer_than_busy_timeout(sqlite_url: str, tmp_path: Path) -> None:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    database = Database(sqlite_url)
    try:
        add_contacts(database, 200)
        campaign_id = new_campaign(database, 200)
        waits: list[str] = []
        async with rig(database, tmp_path, rate=40) as r:
            run = asyncio.create_task(
                run_with_lease(
                    campaign_id,
                    database=database,
                    client_for=lambda _number: r.client,
                    settings=r.settings,
                    lease_options=LeaseOptions(ttl=5.0, heartbeat=1.0, poll=0.2),
                    on_wait=waits.append,
                    outage_retry=0.5,
                )
            )
            await eventually(lambda: len(truth(r.log_path)) >= 10, "the campaign to be sending")
            held = threading.Event()
            lock = asyncio.create_task(
                asyncio.to_thread(hold_write_lock, path, BUSY_TIMEOUT + 3, held)
            )
            await eventually(held.is_set, "the other connection to hold the write lock")
            transport = httpx.ASGITransport(app=r.receiver)
            async with httpx.AsyncClient(transport=transport, base_url="http://r") as http:
                locked = await post(http, status_body("wamid.locked", "905550000001"))
                await lock
                retried = await post(http, status_body("wamid.locked", "905550000001"))
            summary = await asyncio.wait_for(run, timeout=150)
    finally:
        database.dispose()
    # Refused while locked (503: Meta retries), or stored after the lock: never a 500.
    assert locked in (200, 503)
    assert retried == 200
    assert any("the database is unavailable" in w and "resumes" in w for w in waits), waits
    assert summary.state == CampaignState.COMPLETED
    assert max(truth(r.log_path).values()) == 1
    check = Database(sqlite_url)
    try:
        assert send_states(check, campaign_id)[SendState.CLAIMED.value] == 0
        assert "wamid.locked" in stored_message_ids(check)
    finally:
        check.dispose()
    assert integrity(path) == "ok"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs: a disk that really fills up."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path) -> Path:
    """Write a filler file until the disk is full."""
    filler = disk / "filler"
    chunk = b"\0" * 4096
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


async def test_full_disk_refuses_webhooks_it_cannot_store(
    tiny_disk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="wabroadcast")
    path = tiny_disk / "wabroadcast.db"
    database = Database(f"sqlite:///{path}")
    answers: dict[str, int] = {}
    try:
        settings = fault_settings(database)
        receiver = httpx.ASGITransport(app=_receiver(settings, database))
        filler = fill(tiny_disk)
        async with httpx.AsyncClient(transport=receiver, base_url="http://r") as http:
            for i in range(20):  # 10 KB each: the free pages run out at once
                message_id = f"wamid.full{i:03d}" + "x" * 10_000
                answers[message_id] = await post(http, status_body(message_id, "905550000001"))
            filler.unlink()
            refused = [m for m, code in answers.items() if code != 200]
            retried = {m: await post(http, status_body(m, "905550000001")) for m in refused}
        stored = stored_message_ids(database)
    finally:
        database.dispose()
    assert set(answers.values()) <= {200, 503}  # a clear refusal, never a 500
    assert refused, "the disk never filled up"
    assert {m for m, code in answers.items() if code == 200} <= stored  # 200 means stored
    assert set(retried.values()) == {200}
    assert set(answers) <= stored  # once there is room again, Meta's retries get in
    assert integrity(path) == "ok"
    # one short line per refused body, no traceback: an outage must not flood the log
    refusals = [r for r in caplog.records if "answered 503" in r.getMessage()]
    assert len(refusals) == len(refused)
    assert all(r.exc_info is None and "full" in r.getMessage() for r in refusals)


def _receiver(settings: Settings, database: Database) -> FastAPI:
    app = FastAPI()
    app.include_router(build_webhook_router(settings, database))
    return app
