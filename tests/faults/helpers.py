"""Fault-test helpers: sending processes, the simulator's ground-truth JSONL log, lease holders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from tests.engine.helpers import FakeClock
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine import create_campaign, summary_of
from wabroadcast.simulator import SANDBOX_ACCESS_TOKEN
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send, SenderLease

NUMBER = "106540352242922"


def new_campaign(database: Database, limit: int, number: str = NUMBER) -> int:
    with database.session() as session:
        return create_campaign(
            session,
            template_name="daily_offer",
            language="tr",
            limit=limit,
            phone_number_id=number,
            clock=FakeClock(datetime.now(UTC)),
        ).id


def sender_env(database: Database, graph_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database.url,
        "GRAPH_API_URL": graph_url,
        "WHATSAPP_ACCESS_TOKEN": SANDBOX_ACCESS_TOKEN,
        "DAILY_RECIPIENT_LIMIT": "100000",
        **extra,
    }


def start_sender(
    campaign_id: int, env: dict[str, str], tmp_path: Path, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """`wabroadcast campaign run ID` in its own process (no .env file read)."""
    command = [
        sys.executable,
        "-m",
        "wabroadcast",
        "--env-file",
        str(tmp_path / "none"),
        "campaign",
        "run",
        str(campaign_id),
    ]
    output = log.open("ab") if log is not None else subprocess.DEVNULL
    try:
        return subprocess.Popen(command, env=env, stdout=output, stderr=output)
    finally:
        if log is not None and not isinstance(output, int):
            output.close()


def truth(log_path: Path) -> Counter[tuple[str, str]]:
    """The simulator's ground-truth JSONL log: how often each (template, number) went out."""
    if not log_path.exists():
        return Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    with log_path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            pairs[(record["template"], record["wa_id"])] += 1
    return pairs


def truth_ids(log_path: Path) -> set[str]:
    with log_path.open(encoding="utf-8") as handle:
        return {json.loads(line)["message_id"] for line in handle}


def holder_pid(database: Database, number: str = NUMBER) -> int | None:
    """The pid of the process holding the number's lease now (host:pid:uuid), if any."""
    with database.session() as session:
        row = session.execute(
            select(SenderLease.holder, SenderLease.expires_at).where(
                SenderLease.phone_number_id == number
            )
        ).first()
    if row is None or row.expires_at < datetime.now(UTC):
        return None
    return int(row.holder.split(":")[1])


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def campaign_done(database: Database, campaign_id: int) -> bool:
    return summary_of(database, campaign_id).state != CampaignState.RUNNING


def send_states(database: Database, campaign_id: int) -> Counter[str]:
    with database.session() as session:
        return Counter(session.scalars(select(Send.state).where(Send.campaign_id == campaign_id)))


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
