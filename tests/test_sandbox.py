"""Sandbox mode: the app wired to the built-in simulator, demo contacts, and `wabroadcast serve`."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from wabroadcast.clock import SystemClock
from wabroadcast.config import Settings, load_settings
from wabroadcast.contact_phones import normalize_phone
from wabroadcast.sandbox import (
    DEMO_MARKER,
    DEMO_UNREACHABLE,
    SANDBOX_BANNER,
    Sandbox,
    build_sandbox,
    demo_contacts,
    load_demo_contacts,
    sandbox_settings,
    start_sandbox,
)
from wabroadcast.storage import stats
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Send, Template

API_TOKEN = "sandbox-test-api-token-0123456789"
INSTANT_WEBHOOKS: dict[str, Any] = {
    "sent_delay": (0.0, 0.0),
    "delivered_delay": (0.0, 0.0),
    "read_delay": (0.0, 0.0),
    "reply_delay": (0.0, 0.0),
    "duplicate_delay": (0.0, 0.0),
    "duplicate_rate": 0.0,
    "reorder_rate": 0.0,
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _count(database: Database, table: Any) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _add_contact(database: Database, phone: str = "+905321234567") -> None:
    now = datetime.now(UTC)
    with database.session() as session:
        session.add(Contact(phone=phone, name="Real Person", created_at=now, updated_at=now))


def test_demo_contacts_are_valid_unique_fictional_and_marked() -> None:
    contacts = demo_contacts()
    assert len(contacts) == 500
    assert len({c.phone for c in contacts}) == 500
    for contact in contacts:
        assert normalize_phone(contact.phone) == contact.phone
        assert contact.phone.startswith("+6125550")  # ACMA's range for fiction
        assert contact.name.endswith(f" {DEMO_MARKER}")


def test_demo_contacts_load_into_an_empty_database_only_once(database: Database) -> None:
    assert load_demo_contacts(database, SystemClock()) == 500
    assert load_demo_contacts(database, SystemClock()) == 0
    assert _count(database, Contact) == 500
    with database.session() as session:
        first = session.scalars(select(Contact).order_by(Contact.index)).first()
    assert first is not None and first.index == 1 and first.attributes == {"demo": True}


def test_demo_contacts_never_touch_a_database_that_has_contacts(database: Database) -> None:
    _add_contact(database)
    assert load_demo_contacts(database, SystemClock()) == 0
    with database.session() as session:
        assert session.scalars(select(Contact.name)).all() == ["Real Person"]


def test_sandbox_start_syncs_the_simulator_templates_into_an_empty_table(
    database: Database,
) -> None:
    """A first-time user finds templates to pick on the send page without running a sync."""
    settings = load_settings({"WABROADCAST_API_TOKEN": API_TOKEN}, env_file=None)
    sandbox = start_sandbox(settings, database)
    try:
        with database.session() as session:
            names = {(t.name, t.language, t.status) for t in session.scalars(select(Template))}
        assert ("daily_offer", "tr", "APPROVED") in names
        assert any(status == "PAUSED" for _, _, status in names)
        with database.session() as session:
            overview = stats.overview(session)["templates"]
        assert overview == len({name for name, _, _ in names}) < len(names)
        assert f"synced {overview} templates from the simulator" in sandbox.notes
        again = start_sandbox(settings, database)  # a filled table is left alone
        assert not any(note.startswith("synced") for note in again.notes)
        asyncio.run(again.cloud_http.aclose())
    finally:
        asyncio.run(sandbox.cloud_http.aclose())


def test_sandbox_settings_point_at_the_simulator_and_make_up_missing_secrets() -> None:
    given = load_settings({"WHATSAPP_APP_SECRET": "mine-0123456789abcdef"}, env_file=None)
    changed = sandbox_settings(given)
    assert changed.sandbox
    assert changed.graph_api_url == "http://simulator.sandbox"
    assert changed.whatsapp_app_secret is not None
    assert changed.whatsapp_app_secret.get_secret_value() == "mine-0123456789abcdef"
    assert changed.verify_token is not None and len(changed.verify_token.get_secret_value()) > 20
    other = sandbox_settings(load_settings({}, env_file=None))
    assert other.whatsapp_app_secret is not None
    assert (
        other.whatsapp_app_secret
        != sandbox_settings(load_settings({}, env_file=None)).whatsapp_app_secret
    )


@asynccontextmanager
async def running(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """The sandboxed app with its lifespan, through the same shutdown hooks as `serve`."""
    app = sandbox.fastapi_app
    token = app.state.auth.token
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://panel", headers=headers
        ) as client:
            yield client
        await sandbox.emitter.close(drain=True, grace=10.0)
    await sandbox.cloud_http.aclose()


async def _wait_for(client: httpx.AsyncClient, campaign_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 90  # bounds a broken run; a busy machine needs the room
    while True:
        data: dict[str, Any] = (await client.get(f"/api/campaigns/{campaign_id}")).json()
        if data["state"] not in ("running",):
            return data
        if time.monotonic() > deadline:
            raise AssertionError(f"campaign {campaign_id} still running: {data}")
        await asyncio.sleep(0.05)


async def _final_sends(database: Database, count: int) -> list[Send]:
    """The sends once every one has a final status (read or failed), within 90 s."""
    sends: list[Send] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with database.session() as session:
            sends = list(session.scalars(select(Send)).all())
        if len(sends) == count and all(s.status in ("read", "failed") for s in sends):
            break
        await asyncio.sleep(0.1)
    return sends


@pytest.mark.anyio
async def test_a_sandbox_campaign_gets_statuses_back_through_signed_webhooks(
    settings: Settings, database: Database
) -> None:
    sandbox = build_sandbox(
        settings,
        database,
        simulator_options={"latency": 0.0, "latency_jitter": 0.0, "seed": 1, "fail_131049_rate": 0},
        webhook_options=INSTANT_WEBHOOKS | {"stop_at_sent": 0.0, "stop_at_delivered": 0.0},
    )
    assert sandbox.fastapi_app.state.sandbox is True
    assert load_demo_contacts(database, SystemClock()) == 500
    async with running(sandbox) as client:
        created = await client.post(
            "/api/campaigns",
            json={"template_name": "daily_offer", "language": "en_US", "limit": 10},
        )
        assert created.status_code == 202, created.text
        campaign = await _wait_for(client, created.json()["id"])
        assert campaign["state"] == "completed", campaign
        await sandbox.emitter.drain()
        # A status can overtake the engine's record of the message id (Meta's do too); the
        # receiver links those by biz_opaque_callback_data on its next sweep.
        sends = await _final_sends(database, 10)

    assert len(sandbox.simulator.accepted) == 10
    assert len(sends) == 10
    assert any(send.phone in DEMO_UNREACHABLE for send in sends)
    by_id = {send.message_id: send for send in sends}
    assert set(by_id) == {m.message_id for m in sandbox.simulator.accepted}
    for send in sends:
        if send.phone in DEMO_UNREACHABLE:
            assert (send.status, send.error_code) == ("failed", 131026)
        else:
            assert send.status == "read", (send.phone, send.status)
            assert send.read_at is not None
    assert sandbox.emitter.stats.updates_dropped == 0
    assert sandbox.emitter.stats.failed_attempts == 0


@pytest.mark.anyio
async def test_shutdown_stops_the_emitter_and_closes_the_simulator_client(
    settings: Settings, database: Database
) -> None:
    sandbox = build_sandbox(settings, database)
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    outgoing: list[str] = []

    async def receive() -> dict[str, str]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.shutdown.complete":
            assert sandbox.emitter.closed  # before the app finished shutting down
        outgoing.append(message["type"])

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    await sandbox.app(scope, receive, send)
    assert outgoing == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert sandbox.emitter.closed
    assert sandbox.cloud_http.is_closed


# -- `wabroadcast serve` as a real process -------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def serve_process(tmp_path: Path, database_url: str) -> Iterator[Any]:
    processes: list[subprocess.Popen[str]] = []

    def start() -> tuple[subprocess.Popen[str], int]:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("WHATSAPP_")}
        env.update({"DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"})
        env["WABROADCAST_API_TOKEN"] = API_TOKEN
        process = subprocess.Popen(
            [sys.executable, "-m", "wabroadcast", "--env-file", str(tmp_path / "none.env")]
            + ["serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        _wait_healthy(process, port)
        return process, port

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def _wait_healthy(process: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early:\n{process.communicate()[0]}")
        try:
            answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0)
            if answer.status_code == 200:
                assert answer.json()["mode"] == "sandbox"
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("serve did not become healthy in 60 s")


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    return output


@pytest.mark.slow
def test_serve_without_a_token_runs_the_sandbox_and_loads_demo_contacts(
    serve_process: Any, database_url: str
) -> None:
    process, port = serve_process()
    database = Database(database_url)
    try:
        assert _count(database, Contact) == 500
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        created = httpx.post(
            f"{base}/api/campaigns",
            json={"template_name": "daily_offer", "language": "tr", "limit": 5},
            headers=headers,
        )
        assert created.status_code == 202, created.text
        statuses = _wait_for_statuses(database, 5)
        assert len(statuses) == 5 and None not in statuses, statuses
    finally:
        database.dispose()
    output = _stop(process)
    assert SANDBOX_BANNER in output
    assert "loaded 500 demo contacts" in output


def _wait_for_statuses(database: Database, count: int) -> list[str | None]:
    """Statuses of the sends once each has one (the first, `sent`, comes within ~1 s)."""
    statuses: list[str | None] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with database.session() as session:
            statuses = list(session.scalars(select(Send.status)).all())
        if len(statuses) == count and None not in statuses:
            break
        time.sleep(0.2)
    return statuses


@pytest.mark.slow
def test_serve_in_sandbox_leaves_a_database_with_contacts_alone(
    serve_process: Any, database_url: str
) -> None:
    database = Database(database_url)
    try:
        _add_contact(database)
        process, _port = serve_process()
        output = _stop(process)
        assert SANDBOX_BANNER in output
        assert "no demo contacts were added" in output
        assert _count(database, Contact) == 1
    finally:
        database.dispose()


def test_serve_says_a_graph_api_url_without_a_token_is_not_used(database: Database) -> None:
    """CLI commands send to a GRAPH_API_URL set without a token (a running simulator); serve
    keeps its own simulator, and says so rather than ignore the setting silently."""
    environ = {"WABROADCAST_API_TOKEN": API_TOKEN, "GRAPH_API_URL": "http://127.0.0.1:5999"}
    sandbox = start_sandbox(load_settings(environ, env_file=None), database)
    try:
        assert any(
            note.startswith("GRAPH_API_URL=http://127.0.0.1:5999 is not used by serve")
            for note in sandbox.notes
        ), sandbox.notes
        plain_settings = load_settings({"WABROADCAST_API_TOKEN": API_TOKEN}, env_file=None)
        plain = start_sandbox(plain_settings, database)
        assert not any(note.startswith("GRAPH_API_URL") for note in plain.notes)
        asyncio.run(plain.cloud_http.aclose())
    finally:
        asyncio.run(sandbox.cloud_http.aclose())
