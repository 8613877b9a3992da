"""Sandbox mode: with no WHATSAPP_ACCESS_TOKEN, the app runs against the built-in simulator.

A first-time user runs ``make run`` and can try the whole flow — contacts, a campaign, status
webhooks, replies, opt-outs — without a Meta account, and nobody receives anything:

- the Cloud API client talks to the simulator **in process** (``httpx.ASGITransport``), so no
  second port is opened and nothing can leak to graph.facebook.com;
- the simulator's signed status webhooks are delivered to the app's ``/webhook`` in process
  too, through the same receiver (signature check, raw log, processing) as Meta's would be. No
  port, host name or proxy can break that path, and start-up order does not matter;
- an app secret and a verify token are generated for the run when unset, so the signatures
  verify;
- a demo contact list (fictional Australian numbers, names marked "(demo)") is loaded into an
  **empty** database only; a database that already has contacts, campaigns or sends is never
  touched.
"""

from __future__ import annotations

import asyncio
import csv
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from wabroadcast.app import create_app
from wabroadcast.clock import Clock, SystemClock
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.config import Settings
from wabroadcast.engine.templates import sync_templates
from wabroadcast.simulator.app import create_simulator
from wabroadcast.simulator.callbacks import EmitterStats, WebhookEmitter
from wabroadcast.simulator.config import SimulatorConfig
from wabroadcast.simulator.state import Simulator
from wabroadcast.simulator.webhook_config import WebhookConfig
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Contact, Send, Template
from wabroadcast.webhooks.apply import WebhookRules
from wabroadcast.webhooks.processing import process_pending
from wabroadcast.webhooks.routes import build_webhook_router

SANDBOX_BANNER = "SANDBOX MODE: messages go to the built-in simulator, nobody receives them"
SANDBOX_GRAPH_URL = "http://simulator.sandbox"
"""Never resolved: the sandbox client's transport hands requests to the simulator directly."""
BUILTIN_SIMULATOR_SHOWN = "built-in simulator (sandbox)"
"""What `wabroadcast config` shows as GRAPH_API_URL when the built-in simulator is used."""
DEMO_MARKER = "(demo)"

# A few demo numbers behave like real-life troublemakers, so the panel shows every outcome.
DEMO_UNREACHABLE = frozenset({"+61255500007", "+61255500123", "+61255500321", "+61255500444"})
"""Not on WhatsApp: accepted, then an async failed status with 131026."""
DEMO_OPTED_OUT = frozenset({"+61255500013", "+61255500250"})
"""Read the message, reply STOP and stop marketing (user_preferences stop)."""

Hook = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class DemoContact:
    phone: str
    name: str


def demo_contacts() -> list[DemoContact]:
    """The 500 demo contacts shipped in ``wabroadcast/demo/contacts.csv``.

    Numbers are +61 2 5550 0000-0499, a range Australia's ACMA reserves for fiction: valid
    for every phone-number check, owned by nobody.
    """
    text = resources.files("wabroadcast.demo").joinpath("contacts.csv").read_text("utf-8")
    return [DemoContact(row["phone"], row["name"]) for row in csv.DictReader(text.splitlines())]


def load_demo_contacts(database: Database, clock: Clock) -> int:
    """Insert the demo contacts if the database is empty; return how many were inserted.

    "Empty" means no contact, campaign or send: the demo list must never mix with a real list
    or a real history. Two processes starting together cannot both load it (one insert hits
    the unique phone constraint and rolls back).
    """
    try:
        with database.session() as session:
            for table in (Contact, Campaign, Send):
                if session.scalar(select(func.count()).select_from(table)):
                    return 0
            now = clock.now()
            contacts = demo_contacts()
            session.add_all(
                Contact(
                    phone=contact.phone,
                    name=contact.name,
                    index=position,
                    attributes={"demo": True},
                    created_at=now,
                    updated_at=now,
                )
                for position, contact in enumerate(contacts, start=1)
            )
    except IntegrityError:
        return 0
    return len(contacts)


def uses_builtin_simulator(settings: Settings) -> bool:
    """Whether CLI commands talk to the in-process simulator instead of GRAPH_API_URL.

    True with no access token and GRAPH_API_URL left at Meta's: without a token nothing may
    reach graph.facebook.com. Pointing GRAPH_API_URL elsewhere (a running `wabroadcast
    simulator`) is used as it is, token or not. `wabroadcast config` shows the same answer.
    """
    host = urlsplit(settings.graph_api_url).hostname or ""
    return settings.sandbox and host.endswith("facebook.com")


def sandbox_settings(settings: Settings) -> Settings:
    """The settings the sandboxed app runs with: simulator URL, and secrets made up if unset."""
    update: dict[str, Any] = {"graph_api_url": SANDBOX_GRAPH_URL}
    if settings.whatsapp_app_secret is None:
        update["whatsapp_app_secret"] = SecretStr(secrets.token_hex(32))
    if settings.verify_token is None:
        update["verify_token"] = SecretStr(secrets.token_urlsafe(24))
    return settings.model_copy(update=update)


def sandbox_simulator_config(settings: Settings, **overrides: Any) -> SimulatorConfig:
    values: dict[str, Any] = {
        "unreachable": DEMO_UNREACHABLE,
        "opted_out": DEMO_OPTED_OUT,
        "fail_131049_rate": 0.02,
    }
    values.update(overrides)
    return SimulatorConfig.from_settings(settings, **values)


def sandbox_webhook_config(config: SimulatorConfig, **overrides: Any) -> WebhookConfig:
    """Realistic timings (seconds between stages) and Meta's habits, at low rates."""
    values: dict[str, Any] = {"reply_rate": 0.08, "duplicate_rate": 0.01, "reorder_rate": 0.01}
    values.update(overrides)
    return WebhookConfig.for_simulator(config, **values)


COMMAND_WEBHOOK_DELAYS: dict[str, Any] = {
    "sent_delay": (0.1, 0.5),
    "delivered_delay": (0.2, 1.5),
    "read_delay": (0.5, 4.0),
    "reply_delay": (1.0, 6.0),
    "duplicate_delay": (0.3, 2.0),
}
"""Seconds between stages for a CLI command's own simulator: a command waits for its statuses
before it ends, so they come within seconds rather than the server's tens of seconds."""


@dataclass
class CommandSandbox:
    """A CLI command's own simulator, wired both ways like `serve`'s: ``transport`` carries the
    Cloud API calls, and its status webhooks go through the real receiver into the database."""

    settings: Settings
    transport: httpx.ASGITransport
    emitter: WebhookEmitter
    database: Database

    async def wait_for_statuses(self, grace: float) -> EmitterStats:
        """Let every planned status webhook arrive (at most ``grace`` seconds), stop, and apply
        what the receiver's worker has not processed yet, so the command ends with all of it."""
        await self.emitter.close(drain=True, grace=grace)
        rules = WebhookRules.from_settings(self.settings)
        await asyncio.to_thread(process_pending, self.database, SystemClock(), rules)
        return self.emitter.stats


@asynccontextmanager
async def command_sandbox(settings: Settings, database: Database) -> AsyncIterator[CommandSandbox]:
    """The simulator a CLI send runs against with no token. Its webhooks are posted in process
    to the same receiver `serve` mounts at /webhook (signature check, raw log, processing), so
    statuses, replies and opt-outs land in ``database`` whether or not a server is running.
    Leaving without `wait_for_statuses` drops what is still planned."""
    settings = sandbox_settings(settings)
    config = sandbox_simulator_config(settings)
    simulator_app = create_simulator(config)
    receiver = FastAPI()
    receiver.include_router(build_webhook_router(settings, database))
    emitter = WebhookEmitter.to_app(
        sandbox_webhook_config(config, **COMMAND_WEBHOOK_DELAYS), receiver, path="/webhook"
    )
    emitter.attach(simulator_app.state.simulator)
    async with receiver.router.lifespan_context(receiver):  # the webhook worker and intake
        try:
            yield CommandSandbox(
                settings, httpx.ASGITransport(app=simulator_app), emitter, database
            )
        finally:
            await emitter.close()


@dataclass
class Sandbox:
    """The app and the simulator it is wired to; ``app`` is what to serve."""

    app: Any
    fastapi_app: FastAPI
    settings: Settings
    simulator: Simulator
    emitter: WebhookEmitter
    cloud_http: httpx.AsyncClient
    simulator_transport: httpx.ASGITransport
    notes: list[str] = field(default_factory=list)


def build_sandbox(
    settings: Settings,
    database: Database,
    *,
    clock: Clock | None = None,
    simulator_options: dict[str, Any] | None = None,
    webhook_options: dict[str, Any] | None = None,
) -> Sandbox:
    """Wire the app to an in-process simulator, both ways, and mark it as a sandbox."""
    settings = sandbox_settings(settings)
    config = sandbox_simulator_config(settings, **(simulator_options or {}))
    simulator_app = create_simulator(config, clock=clock)
    simulator: Simulator = simulator_app.state.simulator
    transport = httpx.ASGITransport(app=simulator_app)
    cloud_http = httpx.AsyncClient(transport=transport, base_url=SANDBOX_GRAPH_URL, timeout=30.0)
    app = create_app(settings, database=database, cloud_http=cloud_http, clock=clock)
    app.state.sandbox = True
    app.state.simulator = simulator
    emitter = WebhookEmitter.to_app(
        sandbox_webhook_config(config, **(webhook_options or {})), app, path="/webhook"
    )
    emitter.attach(simulator)
    served = ShutdownHooks(app, before=[emitter.close], after=[cloud_http.aclose])
    return Sandbox(served, app, settings, simulator, emitter, cloud_http, transport)


def start_sandbox(settings: Settings, database: Database, *, clock: Clock | None = None) -> Sandbox:
    """What ``wabroadcast serve`` does in sandbox mode: demo contacts, then the wired app."""
    sandbox = build_sandbox(settings, database, clock=clock)
    if not uses_builtin_simulator(settings):  # CLI commands would use it: say serve does not
        sandbox.notes.append(
            f"GRAPH_API_URL={settings.graph_api_url} is not used by serve without "
            "WHATSAPP_ACCESS_TOKEN: its own simulator answers (CLI commands do send there)"
        )
    loaded = load_demo_contacts(database, clock or SystemClock())
    if loaded:
        sandbox.notes.append(f"loaded {loaded} demo contacts (names marked {DEMO_MARKER})")
    else:
        sandbox.notes.append("the database already has data: no demo contacts were added")
    synced = sync_sandbox_templates(sandbox, database, clock or SystemClock())
    if synced:  # counted as the overview counts templates: by name
        sandbox.notes.append(f"synced {synced} templates from the simulator")
    return sandbox


def sync_sandbox_templates(sandbox: Sandbox, database: Database, clock: Clock) -> int:
    """Fill an empty templates table from the simulator, so the send page has templates to pick;
    returns how many templates (names, as the overview counts them) it stored.

    Uses the same sync as `wabroadcast templates sync`, through a short-lived client of its
    own: the app's client belongs to the server's event loop, which is not running yet.
    """
    with database.session() as session:
        if session.scalar(select(func.count()).select_from(Template)):
            return 0

    async def sync() -> int:
        async with httpx.AsyncClient(
            transport=sandbox.simulator_transport, base_url=SANDBOX_GRAPH_URL
        ) as http:
            client = CloudAPIClient.from_settings(http, sandbox.settings)
            summary = await sync_templates(database, client, clock)
        return summary.names if summary.added else 0

    return asyncio.run(sync())


class ShutdownHooks:
    """Run async hooks when the server shuts down, around the wrapped app's own lifespan.

    ``before`` runs when shutdown starts (stop the webhook emitter before the app closes its
    database), ``after`` once the app has finished (close clients the app was still using).
    """

    def __init__(self, app: Any, *, before: Sequence[Hook], after: Sequence[Hook]) -> None:
        self.app = app
        self.before = list(before)
        self.after = list(after)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def receive_hooked() -> Any:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                for hook in self.before:
                    await hook()
            return message

        async def send_hooked(message: Any) -> None:
            if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                for hook in self.after:
                    await hook()
            await send(message)

        await self.app(scope, receive_hooked, send_hooked)
