"""`wabroadcast simulator`: a stand-in for graph.facebook.com, with signed webhooks.

It reads WHATSAPP_ACCESS_TOKEN, PHONE_NUMBER_ID, WABA_ID and WHATSAPP_APP_SECRET from the same
settings as the app, so the app accepts the simulator's webhooks and the simulator accepts the
app's token; the app only needs GRAPH_API_URL pointed at the printed address.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import typer
import uvicorn

from wabroadcast.cli.common import console, fail, get_settings
from wabroadcast.config import Settings
from wabroadcast.sandbox import Hook, ShutdownHooks
from wabroadcast.simulator.account_events import CONTROL_PATH
from wabroadcast.simulator.app import create_simulator
from wabroadcast.simulator.callbacks import WebhookEmitter
from wabroadcast.simulator.config import HOLD_OUTCOMES, SimulatorConfig
from wabroadcast.simulator.webhook_config import WebhookConfig

_DELAYS = ("sent_delay", "delivered_delay", "read_delay", "reply_delay", "duplicate_delay")


def _numbers(values: list[str]) -> frozenset[str]:
    """Repeated options and comma-separated lists both work: --unreachable A,B --unreachable C."""
    return frozenset(n.strip() for value in values for n in value.split(",") if n.strip())


def _share(value: float) -> float:
    """Rates are shares of messages: 0.05 is 5 %."""
    if not 0.0 <= value <= 1.0:
        raise typer.BadParameter(f"must be a share between 0 and 1 (0.05 = 5 %), got {value}")
    return value


def _share_or_default(value: float | None) -> float | None:
    return None if value is None else _share(value)


def simulator_config(settings: Settings, **options: Any) -> SimulatorConfig:
    """The simulated number for these settings; a bad option is a clear error, not a trace."""
    try:
        return SimulatorConfig.from_settings(settings, **options)
    except ValueError as exc:
        fail(str(exc))


def webhook_config(config: SimulatorConfig, speed: float, **options: Any) -> WebhookConfig:
    """Webhook options; ``speed`` scales the realistic default delays (0: all at once)."""
    for name in _DELAYS:
        low, high = getattr(WebhookConfig, name)
        options[name] = (low * speed, high * speed)
    try:
        return WebhookConfig.for_simulator(config, **options)
    except ValueError as exc:
        fail(str(exc))


def simulator(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Bind address."),
    port: int = typer.Option(5006, help="Port to listen on."),
    webhook_url: str | None = typer.Option(
        None,
        help="Where to POST signed status webhooks and replies, e.g. "
        "http://127.0.0.1:5005/webhook. Unset: no webhooks.",
    ),
    log: Path | None = typer.Option(
        None, help="Ground-truth JSONL file: one line per accepted message (appended)."
    ),
    seed: int | None = typer.Option(None, help="Seed for every random choice (reproducible)."),
    rate: float = typer.Option(80.0, help="Messages per second before 130429 (Meta: 80)."),
    latency_ms: float = typer.Option(150.0, help="Mean response latency in milliseconds."),
    jitter_ms: float = typer.Option(50.0, help="Latency jitter (+/- milliseconds)."),
    fail_5xx: float = typer.Option(
        0.0, callback=_share, help="Share of sends answered 500/503/502."
    ),
    timeout_rate: float = typer.Option(
        0.0,
        callback=_share,
        help="Share of sends that hang past any client timeout (accepted first).",
    ),
    async_fail_131049: float = typer.Option(
        0.0,
        callback=_share,
        help="Share of marketing sends that fail later with 131049 (per-user cap).",
    ),
    async_fail_131049_again: float | None = typer.Option(
        None,
        callback=_share_or_default,
        help="Share of marketing sends to a user capped before (131049), sent again at least "
        "24 h later, that are capped again (default: the --async-fail-131049 share). A resend "
        "within 24 h of a cap is always capped again.",
    ),
    async_fail_131050: float = typer.Option(
        0.0,
        callback=_share,
        help="Share of marketing sends that fail later with 131050 (user stopped marketing).",
    ),
    hold_rate: float = typer.Option(
        0.0,
        callback=_share,
        help="Share of template sends answered held_for_quality_assessment (a template under "
        "pacing); the others are answered accepted.",
    ),
    hold_outcome: str = typer.Option(
        "release",
        help="What becomes of held sends: release (sent and delivered later) or drop (the "
        "template is paused: held sends fail with 132015, later sends are refused with 132015).",
    ),
    unreachable: list[str] = typer.Option(
        [], help="Number not on WhatsApp: accepted, then failed with 131026 (repeat or comma-list)."
    ),
    opted_out: list[str] = typer.Option(
        [], help="Number whose user reads, replies STOP and stops marketing (repeat or comma-list)."
    ),
    stop_at_sent: float = typer.Option(
        0.03, callback=_share, help="Share of messages that stay at sent."
    ),
    stop_at_delivered: float = typer.Option(
        0.30, callback=_share, help="Share of messages delivered but never read."
    ),
    instant_read_rate: float = typer.Option(
        0.0, callback=_share, help="Share of read messages whose delivered status is skipped."
    ),
    reply_rate: float = typer.Option(
        0.05, callback=_share, help="Share of read messages that get a reply."
    ),
    button_share: float = typer.Option(
        0.5, callback=_share, help="Share of replies that are quick-reply taps."
    ),
    duplicate_rate: float = typer.Option(
        0.0, callback=_share, help="Share of updates delivered twice."
    ),
    reorder_rate: float = typer.Option(
        0.0, callback=_share, help="Share of messages whose updates arrive in reverse order."
    ),
    marketing_terms_not_accepted: bool = typer.Option(
        False,
        "--marketing-terms-not-accepted",
        help="Refuse every POST /marketing_messages as Meta does while the business portfolio "
        "has not accepted the Marketing Messages API terms.",
    ),
    max_batch: int = typer.Option(100, help="Most updates in one webhook POST (Meta: 1,000)."),
    webhook_concurrency: int = typer.Option(
        4, help="Webhook POSTs in flight at once (Meta delivers in parallel)."
    ),
    webhook_speed: float = typer.Option(
        1.0,
        help="Scale of the realistic delays between sent, delivered, read and replies "
        "(0 = at once).",
    ),
) -> None:
    """Run the Cloud API simulator: Graph endpoints, Meta's errors and limits, signed webhooks."""
    settings = get_settings(ctx)
    if webhook_speed < 0:
        fail("--webhook-speed must not be negative")
    if hold_outcome not in HOLD_OUTCOMES:
        fail(f"--hold-outcome must be one of {', '.join(HOLD_OUTCOMES)}, got {hold_outcome!r}")
    if log is not None:
        try:
            log.open("a", encoding="utf-8").close()  # fail now, not on the first accepted send
        except OSError as exc:
            fail(f"--log {log}: cannot write there ({exc.strerror})")
    config = simulator_config(
        settings,
        seed=seed,
        log_path=log,
        rate=rate,
        latency=latency_ms / 1000,
        latency_jitter=jitter_ms / 1000,
        error_5xx_rate=fail_5xx,
        timeout_rate=timeout_rate,
        fail_131049_rate=async_fail_131049,
        fail_131049_again_rate=async_fail_131049_again,
        fail_131050_rate=async_fail_131050,
        hold_rate=hold_rate,
        hold_outcome=hold_outcome,
        unreachable=_numbers(unreachable),
        opted_out=_numbers(opted_out),
        marketing_messages_terms_accepted=not marketing_terms_not_accepted,
    )
    app = create_simulator(config)
    hooks: list[Hook] = []
    if webhook_url is not None:
        webhooks = webhook_config(
            config,
            webhook_speed,
            stop_at_sent=stop_at_sent,
            stop_at_delivered=stop_at_delivered,
            instant_read_rate=instant_read_rate,
            reply_rate=reply_rate,
            button_reply_share=button_share,
            duplicate_rate=duplicate_rate,
            reorder_rate=reorder_rate,
            max_batch=max_batch,
            concurrency=webhook_concurrency,
        )
        emitter = WebhookEmitter.to_url(webhooks, webhook_url)
        emitter.attach(app.state.simulator)
        app.state.account_event_sinks.append(emitter.post_payload)
        hooks.append(emitter.close)
    _announce(config, host, port, webhook_url, log)
    uvicorn.run(ShutdownHooks(app, before=hooks, after=[]), host=host, port=port)


def _announce(
    config: SimulatorConfig, host: str, port: int, webhook_url: str | None, log: Path | None
) -> None:
    base = f"http://{host}:{port}"
    lines = [
        f"Cloud API simulator on {base} (phone number id {config.phone_number_id}, "
        f"WABA {config.waba_id})",
        f"point the app at it: GRAPH_API_URL={base}",
        f"webhooks: {webhook_url} (signed with WHATSAPP_APP_SECRET)"
        if webhook_url
        else "webhooks: off (give --webhook-url to receive statuses and replies)",
    ]
    if log is not None:
        lines.append(f"ground truth: {log}")
    if config.seed is not None:
        lines.append(f"seed: {config.seed}")
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)


def simulator_event(
    event: str = typer.Argument(
        ...,
        help="throughput_upgrade, limit_change, category_impending or category_changed.",
    ),
    simulator_url: str = typer.Option(
        "http://127.0.0.1:5006", help="The running `wabroadcast simulator`."
    ),
    limit: int | None = typer.Option(
        None, help="limit_change: 250, 2000, 10000, 100000, or -1 for unlimited."
    ),
    template: str | None = typer.Option(None, help="category_*: the template's name."),
    language: str | None = typer.Option(None, help="category_*: the template's language."),
    category: str | None = typer.Option(
        None, help="category_*: MARKETING, UTILITY or AUTHENTICATION."
    ),
) -> None:
    """Make a running simulator send an account webhook (signed, to its --webhook-url)."""
    asked: dict[str, Any] = {"event": event}
    for key, value in (
        ("limit", limit),
        ("template", template),
        ("language", language),
        ("category", category),
    ):
        if value is not None:
            asked[key] = value
    url = simulator_url.rstrip("/") + CONTROL_PATH
    try:
        answer = httpx.post(url, json=asked, timeout=10.0)
    except httpx.HTTPError as exc:
        fail(f"cannot reach the simulator at {simulator_url}: {exc}")
    body = (
        answer.json()
        if answer.headers.get("content-type", "").startswith("application/json")
        else {}
    )
    if answer.status_code != 200:
        fail(f"the simulator refused the event: {body.get('error') or answer.text[:200]}")
    if not body.get("sinks"):
        fail("the simulator has no --webhook-url: the event changed it but was sent nowhere")
    console.print_json(json.dumps(body["payload"]))
    console.print(f"delivered to {body['delivered']} of {body['sinks']} receiver(s)")
