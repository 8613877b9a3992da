"""`wabroadcast campaign` commands: send a template to the next eligible contacts.

Commands parse input, call the engine, print. Progress goes to stderr so `--json` output on
stdout stays clean for scripts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from wabroadcast.business_numbers import UnknownPhoneNumber, settings_for_number
from wabroadcast.cli.audience import (
    EXCLUDE_REPLIED,
    EXCLUDE_TAG,
    MATCH,
    TAG,
    WHERE,
    audience_of,
    check_audience,
)
from wabroadcast.cli.common import console, err_console, fail, get_settings, open_database
from wabroadcast.cli.costs import cost_lines, rate_card
from wabroadcast.cli.templates import cloud_client as template_client
from wabroadcast.clock import SystemClock
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.cloudapi.payloads import TemplateInfo
from wabroadcast.config import Settings
from wabroadcast.domain.audience import Audience, audience_from_json
from wabroadcast.domain.models import CampaignState
from wabroadcast.domain.transitions import TransitionError
from wabroadcast.engine import (
    CampaignSummary,
    EngineOptions,
    RunProgress,
    TemplateSender,
    cancel_campaign,
    pause_campaign,
    resume_campaign,
    summary_of,
)
from wabroadcast.engine.activity import Activity, activities, activity
from wabroadcast.engine.deferred import RetryPass, RetryTally
from wabroadcast.engine.followup import NothingToRetry
from wabroadcast.engine.limits import DAILY_WINDOW
from wabroadcast.engine.manager import (
    MAX_CAMPAIGN_LIMIT,
    CampaignManager,
    CampaignRefused,
    CampaignRequest,
    campaign_number,
    limit_problem,
)
from wabroadcast.engine.number_limits import resolve_number_limits
from wabroadcast.engine.pool import SenderPool, sender_pool
from wabroadcast.engine.retarget import RetargetAsk, RetargetRefused
from wabroadcast.engine.retarget import plan as retarget_plan
from wabroadcast.engine.templates import TemplateSource
from wabroadcast.sandbox import (
    CommandSandbox,
    command_sandbox,
    uses_builtin_simulator,
)
from wabroadcast.storage import campaigns as campaign_store
from wabroadcast.storage import contacts as contact_store
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.ab_tests import narrow_of
from wabroadcast.storage.campaigns import CampaignNotFound
from wabroadcast.storage.db import Database
from wabroadcast.storage.endpoints import campaign_note, endpoint_counts
from wabroadcast.storage.retargets import retarget_of
from wabroadcast.storage.stats import funnels
from wabroadcast.web.costs import campaign_cost, send_estimate

app = typer.Typer(
    help="Campaigns: send a template to the next eligible contacts.", no_args_is_help=True
)

SIMULATOR_NOTICE = "sandbox: sending to the built-in Cloud API simulator — nobody receives anything"
STATUS_NOTICE = (
    "sandbox: the simulator's status webhooks (delivered, read, replies, opt-outs) are recorded "
    "by this command, which waits for them before it ends"
)
STATUS_GRACE = 60.0
"""Seconds a sandbox send waits for its simulator's last status webhooks."""


@asynccontextmanager
async def cloud_client(
    settings: Settings, database: Database | None = None
) -> AsyncIterator[SenderPool]:
    """The client for one command. With no token and the default Graph URL, the built-in
    simulator runs in this process (said clearly); given the ``database``, its status webhooks
    are recorded there through the real receiver, and leaving waits for them. With
    GRAPH_API_URL pointing at a running simulator, that one is used over HTTP (its webhooks
    go where it was told). Over HTTP, requests in flight are spread over several connection
    pools (engine.pool) so 1,000 msg/s stays within reach."""
    if uses_builtin_simulator(settings):
        err_console.print(f"[bold yellow]{SIMULATOR_NOTICE}[/]", highlight=False)
        if database is None:
            async with _simulator_only(settings) as pool:
                yield pool
            return
        err_console.print(STATUS_NOTICE, style="yellow", highlight=False)
        async with command_sandbox(settings, database) as sandbox:
            async with httpx.AsyncClient(transport=sandbox.transport, timeout=30.0) as http:
                yield SenderPool([CloudAPIClient.from_settings(http, sandbox.settings)])
            await _wait_for_statuses(sandbox)
        return
    in_flight = EngineOptions().in_flight_for(settings.send_rate, 0.25)
    async with sender_pool(
        lambda http: CloudAPIClient.from_settings(http, settings), in_flight
    ) as pool:
        yield pool


@asynccontextmanager
async def _simulator_only(settings: Settings) -> AsyncIterator[SenderPool]:
    """The in-process simulator with no webhook side: for commands that send nothing."""
    async with template_client(settings) as client:
        yield SenderPool([client])


async def _wait_for_statuses(sandbox: CommandSandbox) -> None:
    planned = sandbox.emitter.stats.messages
    if planned:
        err_console.print(
            f"sandbox: waiting up to {STATUS_GRACE:.0f} s for the status webhooks of "
            f"{planned} messages…",
            style="yellow",
            highlight=False,
        )
    stats = await sandbox.wait_for_statuses(STATUS_GRACE)
    if stats.updates_discarded or stats.updates_dropped:
        err_console.print(
            f"sandbox: {stats.updates_discarded + stats.updates_dropped} status updates did not "
            f"arrive in time and were dropped",
            style="yellow",
            highlight=False,
        )


class _Bar:
    """A rich progress bar fed by the engine's progress callback: rate, ETA, errors."""

    def __init__(self, total: int) -> None:
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>7.1f} msg/s"),
            TimeRemainingColumn(),
            TextColumn("errors {task.fields[errors]}"),
            console=err_console,
        )
        self.task = self.progress.add_task("sending", total=total or None, rate=0.0, errors=0)
        self.started = time.monotonic()

    def update(self, event: RunProgress) -> None:
        done = event.accepted + event.failed + event.unknown
        elapsed = max(time.monotonic() - self.started, 1e-6)
        self.progress.update(
            self.task, completed=done, rate=event.accepted / elapsed, errors=event.errors
        )


class CommandClients:
    """The Cloud API clients of one command, open only while the command needs them; the
    command's one campaign manager reaches them through here (`sending` for runs, `templates`
    for the template sync of a create)."""

    def __init__(self) -> None:
        self.sending: TemplateSender | None = None
        self.templates: TemplateSource | None = None
        self.for_number: Callable[[str], TemplateSender] | None = None
        """Set when one step sends from several numbers (a deferred-retry pass)."""

    def client_for(self, phone_number_id: str) -> TemplateSender:
        if self.for_number is not None:
            return self.for_number(phone_number_id)
        if self.sending is None:
            raise RuntimeError("sending is disabled: no Cloud API client is open")
        return self.sending


def command_manager(ctx: typer.Context) -> tuple[CampaignManager, CommandClients]:
    """The command's campaign manager, built once per invocation (like its settings and
    database) however many steps use it: `send` creates, runs and, when interrupted, pauses
    through the same one."""
    root = ctx.find_root()
    root.ensure_object(dict)
    if "campaigns" not in root.obj:
        clients = CommandClients()
        manager = CampaignManager(
            open_database(ctx),
            get_settings(ctx),
            SystemClock(),
            lambda: clients.templates,
            client_for=clients.client_for,
        )
        root.obj["campaigns"] = (manager, clients)
    found: tuple[CampaignManager, CommandClients] = root.obj["campaigns"]
    return found


async def _run(
    manager: CampaignManager, clients: CommandClients, campaign_id: int, *, total: int
) -> None:
    # SIGTERM stops the run the way Ctrl-C does: cancelled, claims settled, then paused.
    main = asyncio.current_task()
    if main is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)
    database, settings = manager.database, manager.settings
    number, _ = await asyncio.to_thread(campaign_number, database, campaign_id)
    with contextlib.suppress(UnknownPhoneNumber):  # the manager's run aborts it with the reason
        settings = settings_for_number(settings, number)
    async with cloud_client(settings, database) as client:
        clients.sending = client
        bar = _Bar(total)
        try:
            with bar.progress:
                await manager.run(  # waits while another process sends from the number
                    campaign_id,
                    on_progress=bar.update,
                    on_wait=lambda message: err_console.print(message, style="yellow"),
                )
        finally:
            clients.sending = None


def _run_and_report(ctx: typer.Context, campaign_id: int, *, as_json: bool) -> None:
    # Each error answer is already counted on the progress bar and in the summary.
    settings = get_settings(ctx)
    database = open_database(ctx)
    manager, clients = command_manager(ctx)
    summary = summary_of(database, campaign_id)
    with database.session() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        total = send_store.count_eligible(
            session,
            summary.template_name,
            at_most=max(summary.requested - summary.selected, 0),
            marketing_to_us=settings.marketing_to_us,
            audience=audience_from_json(campaign.audience),
            now=SystemClock().now(),
        )
    cloudapi_log = logging.getLogger("wabroadcast.cloudapi")
    previous_level = cloudapi_log.level
    cloudapi_log.setLevel(logging.ERROR)
    try:
        asyncio.run(_run(manager, clients, campaign_id, total=total))
        summary = summary_of(database, campaign_id)  # with the statuses a sandbox waited for
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C, or SIGTERM (see _run)
        paused = manager.mark_interrupted(campaign_id)
        done = summary_of(database, campaign_id)
        what = "paused it (reason: interrupted)" if paused else f"it is {done.state.value}"
        fail(
            f"interrupted after {done.accepted} of {done.requested} sends; {what}. "
            f"`wabroadcast campaign resume {campaign_id}` continues where it stopped",
            code=130,
        )
    finally:
        cloudapi_log.setLevel(previous_level)
    _print_summary(database, summary, as_json=as_json, marketing_to_us=settings.marketing_to_us)
    if summary.state == CampaignState.ABORTED or (
        summary.state == CampaignState.PAUSED and summary.error
    ):
        raise typer.Exit(1)


def endpoints_line(counts: dict[str, int]) -> str:
    """`sent through: marketing_messages 40, messages 2` (most first)."""
    parts = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "sent through: " + ", ".join(f"{name} {count}" for name, count in parts)


def skipped_us_line(count: int) -> str:
    """Why a MARKETING campaign left contacts out, said wherever its counts are shown."""
    numbers = "number" if count == 1 else "numbers"
    return (
        f"{count} US (+1) {numbers} skipped: Meta does not deliver marketing templates to US "
        "numbers (since 2025-04-01); MARKETING_TO_US=true sends to them"
    )


def _skipped_us(database: Database, summary: CampaignSummary, marketing_to_us: bool) -> int:
    with database.session() as session:
        campaign = campaign_store.get_campaign(session, summary.campaign_id)
        return send_store.count_skipped_us(
            session,
            summary.template_name,
            retry_of=campaign.retry_of_campaign_id,
            retarget=retarget_of(campaign),
            narrow=narrow_of(session, campaign),
            marketing_to_us=marketing_to_us,
            audience=audience_from_json(campaign.audience),
            now=SystemClock().now(),
        )


def _print_summary(
    database: Database, summary: CampaignSummary, *, as_json: bool, marketing_to_us: bool
) -> None:
    if as_json:
        from wabroadcast.web.api.original import write_send_response

        # Plain text straight to stdout, streamed: rich's print_json of 100,000 results cost
        # more CPU than sending them, and held the whole answer in memory.
        write_send_response(database, summary.campaign_id, sys.stdout.write)
        sys.stdout.flush()
        return
    out = console
    now = shown_activity(database, summary.campaign_id)
    with database.session() as session:
        funnel = funnels(session, [summary.campaign_id])[summary.campaign_id]
        endpoints = endpoint_counts(session, summary.campaign_id)
        note = campaign_note(session, summary.campaign_id)
    out.print(
        f"campaign {summary.campaign_id}: {summary.template_name} ({summary.language}) "
        f"— {now.state}",
        highlight=False,
    )
    if now.waiting_for:
        out.print(f"  waiting: {now.waiting_for}", highlight=False)
    lines = [
        ("requested", summary.requested),
        ("eligible", summary.eligible),
        ("selected", summary.selected),
        ("accepted", summary.accepted),
        ("failed", summary.failed),
        ("unknown (not re-sent)", summary.unknown),
        ("deferred (131049, retried)", summary.deferred),
        ("retries made", summary.retried),
        ("held back by daily limit", summary.held_back),
        ("delivered", funnel.delivered),
        ("read", funnel.read),
        ("replied", funnel.replied),
    ]
    if funnel.held_total:  # a template under pacing (cloudapi.md §4)
        lines += [
            ("held by Meta now", funnel.held),
            ("held, then released", funnel.held_released),
            ("held, then dropped", funnel.held_dropped),
        ]
    for label, value in lines:
        out.print(f"  {label:<26}{value:>8}", highlight=False)
    for reason_text, count in sorted(summary.failures.items()):
        out.print(f"    {reason_text}: {count}", highlight=False)
    skipped = _skipped_us(database, summary, marketing_to_us)
    if skipped:
        out.print(f"  {skipped_us_line(skipped)}", highlight=False)
    if endpoints:
        out.print(f"  {endpoints_line(endpoints)}", highlight=False)
    if note:
        out.print(f"  note: {note}", highlight=False)
    if summary.error:
        style = "red" if summary.state == CampaignState.ABORTED else "yellow"
        err_console.print(
            f"[bold {style}]{summary.state.value}:[/] {summary.error}", highlight=False
        )
    if summary.unknown:
        out.print("  see `wabroadcast sends unknown`", style="dim")


def shown_activity(database: Database, campaign_id: int) -> Activity:
    """The state every screen shows (engine/activity.py): `waiting` when nothing sends it."""
    with database.session() as session:
        return activity(session, campaign_store.get_campaign(session, campaign_id))


def _dry_run(
    ctx: typer.Context,
    template: str,
    language: str,
    limit: int,
    as_json: bool,
    audience: Audience | None = None,
) -> None:
    """Who would receive it now, counting the daily limit; nothing is claimed or sent."""
    settings = get_settings(ctx)
    database = open_database(ctx)
    check_audience(database, audience)

    async def daily_limit() -> int | None:
        async with cloud_client(settings) as client:  # the webhook limit first, as a run does
            return (await resolve_number_limits(database, settings, client)).daily_limit

    limit_today = asyncio.run(daily_limit())
    now = SystemClock().now()
    us = settings.marketing_to_us
    narrowed: dict[str, Any] = {"marketing_to_us": us, "audience": audience, "now": now}
    with database.session() as session:
        eligible = send_store.count_eligible(session, template, **narrowed)
        skipped_us = send_store.count_skipped_us(session, template, **narrowed)
        take = min(limit, eligible)
        capacity = None
        if limit_today is not None:
            used = send_store.recipients_since(session, now - DAILY_WINDOW)
            capacity = max(limit_today - used, 0)
            take = min(take, capacity)
        rows = send_store.select_eligible(session, template, take, **narrowed)
        cost = send_estimate(session, rate_card(ctx), template, limit=take, **narrowed)
        shown = rows if as_json else rows[:20]
        names = contact_store.names_of(session, [contact_id for contact_id, _ in shown])
    held_back = min(limit, eligible) - take
    if as_json:
        payload: dict[str, Any] = {
            "dry_run": True,
            "template": template,
            "language": language,
            "audience": audience.to_json() if audience is not None else None,
            "total_eligible": eligible,
            "total_selected": take,
            "held_back": held_back,
            "skipped_us": skipped_us,
            "estimated_cost": cost.as_json(),
            "recipients": [phone for _, phone in rows],
            "contacts": [{"phone": phone, "name": names.get(cid)} for cid, phone in rows],
        }
        console.print_json(json.dumps(payload))
        return
    console.print(
        f"dry run: {template} ({language}) would go to {take} of {eligible} eligible contacts",
        highlight=False,
    )
    if audience is not None:
        console.print(f"  audience: {audience.describe()}", highlight=False)
    if held_back:
        console.print(f"  {held_back} held back by the daily recipient limit ({limit_today})")
    if skipped_us:
        console.print(f"  {skipped_us_line(skipped_us)}", highlight=False)
    for line in cost_lines(cost, "estimated cost"):
        console.print(line, highlight=False)
    table = Table("#", "phone", "name")
    for number, (contact_id, phone) in enumerate(shown, start=1):
        table.add_row(str(number), phone, escape(names.get(contact_id) or ""))
    console.print(table)
    if len(rows) > 20:
        console.print(f"  … and {len(rows) - 20} more", highlight=False)
    console.print("nothing was sent", style="dim")


def _create(
    ctx: typer.Context,
    template: str,
    language: str,
    limit: int,
    phone_number_id: str | None,
    *,
    refuse_interrupted: bool = False,
    audience: Audience | None = None,
) -> int:
    """The campaign manager's checks and insert; a refusal exits 1 with its sentence."""
    manager, clients = command_manager(ctx)
    request = CampaignRequest(template, language, limit, phone_number_id, audience=audience)

    async def create() -> int:
        # The template source is only opened when the table does not know the template.
        async with contextlib.AsyncExitStack() as stack:
            clients.templates = _LazySource(stack, manager.settings)
            try:
                number = manager.check_input(request)
                if refuse_interrupted:
                    _refuse_if_interrupted(manager, template, language, number)
                return await manager.create(request)
            finally:
                clients.templates = None

    try:
        return asyncio.run(create())
    except CampaignRefused as exc:
        prefix = {"phone_number_id": "--phone-number-id: ", "audience": "audience: "}
        fail(prefix.get(exc.field, "") + str(exc))


async def know_templates(ctx: typer.Context, names: Sequence[str]) -> None:
    """Sync the templates once if one of `names` is unknown here (as `campaign create` does
    for its template); raises CampaignRefused when that cannot be done."""
    manager, clients = command_manager(ctx)
    async with contextlib.AsyncExitStack() as stack:
        clients.templates = _LazySource(stack, manager.settings)
        try:
            for name in dict.fromkeys(names):
                await manager.know_template(name)
        finally:
            clients.templates = None


run_and_report = _run_and_report
"""Run a campaign in the foreground with its progress bar and report (other commands)."""


class _LazySource:
    """Opens the Cloud API client for a template sync only when the manager asks for one."""

    def __init__(self, stack: contextlib.AsyncExitStack, settings: Settings) -> None:
        self._stack = stack
        self._settings = settings

    async def list_templates(self) -> list[TemplateInfo]:
        from wabroadcast.cli.templates import cloud_client as template_client

        client = await self._stack.enter_async_context(template_client(self._settings))
        return await client.list_templates()


def _refuse_if_interrupted(
    manager: CampaignManager, template: str, language: str, number: str
) -> None:
    found = manager.interrupted(template, language, number)
    if found is None:
        return
    fail(
        f"campaign {found.campaign_id} of {template} ({language}) was interrupted after "
        f"{found.accepted} of {found.requested} sends; continue it with "
        f"`wabroadcast campaign resume {found.campaign_id}`, or cancel it with "
        f"`wabroadcast campaign cancel {found.campaign_id}` and send again"
    )


TEMPLATE = typer.Option(..., "--template", "-t", help="Approved template name.")
LANGUAGE = typer.Option(..., "--language", "-l", help="Template language code, e.g. tr, en_US.")


def _check_limit(limit: int) -> int:
    """The campaign manager's bound, before anything runs (a dry run creates no campaign)."""
    problem = limit_problem(limit)
    if problem is not None:
        raise typer.BadParameter(problem)
    return limit


LIMIT = typer.Option(
    ...,
    "--limit",
    "-n",
    callback=_check_limit,
    help=f"At most this many contacts (1 to {MAX_CAMPAIGN_LIMIT:,}).",
)
JSON = typer.Option(False, "--json", help="Print the original tool's JSON response.")
CAMPAIGN = typer.Argument(..., help="Campaign id.")
NUMBER = typer.Option(
    None,
    "--phone-number-id",
    help="Send from this configured number (PHONE_NUMBERS); default PHONE_NUMBER_ID.",
)


@app.command("send")
def send(
    ctx: typer.Context,
    template: str = TEMPLATE,
    language: str = LANGUAGE,
    limit: int = LIMIT,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show who would receive it; send nothing."
    ),
    as_json: bool = JSON,
    phone_number_id: str | None = NUMBER,
    tag: list[str] = TAG,
    match: str = MATCH,
    where: list[str] = WHERE,
    exclude_tag: list[str] = EXCLUDE_TAG,
    exclude_replied_days: int | None = EXCLUDE_REPLIED,
) -> None:
    """Send a template to the next `limit` contacts that never got it, then summarize.
    --tag, --where and the excludes narrow who may get it (docs/audiences.md)."""
    audience = audience_of(tag, match, where, exclude_tag, exclude_replied_days)
    if dry_run:
        _dry_run(ctx, template, language, limit, as_json, audience)
        return
    campaign_id = _create(
        ctx, template, language, limit, phone_number_id, refuse_interrupted=True,
        audience=audience,
    )  # fmt: skip
    if not as_json:
        console.print(f"campaign {campaign_id} created", style="dim")
    _run_and_report(ctx, campaign_id, as_json=as_json)


@app.command("create")
def create(
    ctx: typer.Context,
    template: str = TEMPLATE,
    language: str = LANGUAGE,
    limit: int = LIMIT,
    phone_number_id: str | None = NUMBER,
    tag: list[str] = TAG,
    match: str = MATCH,
    where: list[str] = WHERE,
    exclude_tag: list[str] = EXCLUDE_TAG,
    exclude_replied_days: int | None = EXCLUDE_REPLIED,
) -> None:
    """Create a campaign without sending; `campaign run ID` sends it."""
    audience = audience_of(tag, match, where, exclude_tag, exclude_replied_days)
    console.print(_create(ctx, template, language, limit, phone_number_id, audience=audience))


@app.command("run")
def run(ctx: typer.Context, campaign_id: int = CAMPAIGN, as_json: bool = JSON) -> None:
    """Send a running campaign: after a crash, or as a second sender (no pair goes twice)."""
    _existing(ctx, campaign_id)
    _run_and_report(ctx, campaign_id, as_json=as_json)


def _existing(ctx: typer.Context, campaign_id: int) -> CampaignSummary:
    try:
        return summary_of(open_database(ctx), campaign_id)
    except CampaignNotFound as exc:
        fail(str(exc))


def _change(ctx: typer.Context, campaign_id: int, action: str) -> None:
    database = open_database(ctx)
    change = {"pause": pause_campaign, "resume": resume_campaign, "cancel": cancel_campaign}
    try:
        with database.session() as session:
            change[action](session, campaign_id, SystemClock())
    except (CampaignNotFound, TransitionError) as exc:
        fail(str(exc))
    state = summary_of(database, campaign_id).state.value
    console.print(f"campaign {campaign_id} is {state}", highlight=False)


@app.command("pause")
def pause(ctx: typer.Context, campaign_id: int = CAMPAIGN) -> None:
    """Pause; a running sender stops after its current batch and releases unsent claims."""
    _change(ctx, campaign_id, "pause")


@app.command("resume")
def resume(
    ctx: typer.Context,
    campaign_id: int = CAMPAIGN,
    no_run: bool = typer.Option(False, "--no-run", help="Only mark it running; do not send."),
) -> None:
    """Resume a paused campaign and send the rest (unclaimed contacts only)."""
    _change(ctx, campaign_id, "resume")
    if not no_run:
        _run_and_report(ctx, campaign_id, as_json=False)


@app.command("cancel")
def cancel(ctx: typer.Context, campaign_id: int = CAMPAIGN) -> None:
    """Cancel for good; contacts not yet sent stay eligible for later campaigns."""
    _change(ctx, campaign_id, "cancel")


@app.command("retry-failed")
def retry_failed_command(
    ctx: typer.Context,
    campaign_id: int = CAMPAIGN,
    no_run: bool = typer.Option(False, "--no-run", help="Only create it; `campaign run` sends."),
    as_json: bool = JSON,
) -> None:
    """Send again to exactly the contacts whose sends failed for a retryable reason."""
    database = open_database(ctx)
    manager, _ = command_manager(ctx)
    try:
        with database.session() as session:
            follow_up = manager.retry_failed_in(session, campaign_id).id
    except (NothingToRetry, CampaignRefused) as exc:
        fail(str(exc))
    if not as_json:
        console.print(f"campaign {follow_up} created (retry of {campaign_id})", highlight=False)
    if not no_run:
        _run_and_report(ctx, follow_up, as_json=as_json)


@app.command("retarget")
def retarget_command(
    ctx: typer.Context,
    campaign_id: int = CAMPAIGN,
    template: str = typer.Option(..., "--template", help="The other template to send."),
    language: str | None = typer.Option(
        None, "--language", help="Its language; default the campaign's."
    ),
    when: str = typer.Option(..., "--when", help="not-read or not-replied."),
    after_days: int = typer.Option(
        ..., "--after-days", help="Only sends accepted at least this many days ago (1-90)."
    ),
    limit: int | None = typer.Option(
        None, "--limit", help="At most this many contacts; default every one eligible now."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Say what it would take; create nothing."
    ),
    no_run: bool = typer.Option(False, "--no-run", help="Only create it; `campaign run` sends."),
    as_json: bool = JSON,
) -> None:
    """Send another template to the campaign's contacts who did not read or reply in N days."""
    database = open_database(ctx)
    manager, _ = command_manager(ctx)
    ask = RetargetAsk(template, when, after_days, language=language, limit=limit)
    try:
        with database.session() as session:
            if dry_run:
                us = manager.settings.marketing_to_us
                _, _, total = retarget_plan(
                    session, campaign_id, ask, manager.clock.now(), marketing_to_us=us
                )
                taken = total if limit is None else min(limit, total)
                console.print(
                    f"would create a retarget of campaign {campaign_id} ({when} after "
                    f"{after_days} days) sending '{template}' to {taken} contacts",
                    highlight=False,
                )
                return
            created = manager.retarget_in(session, campaign_id, ask).id
    except (RetargetRefused, CampaignRefused) as exc:
        fail(str(exc))
    if not as_json:
        console.print(
            f"campaign {created} created (retarget of {campaign_id}: {when} after "
            f"{after_days} days)",
            highlight=False,
        )
    if not no_run:
        _run_and_report(ctx, created, as_json=as_json)


@app.command("retry-deferred")
def retry_deferred_command(
    ctx: typer.Context,
    campaign_id: int | None = typer.Argument(
        None, help="Only this campaign's deferred sends (default: every campaign's)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Retry the sends Meta deferred with 131049 whose wait is over (`serve` does it too)."""
    if campaign_id is not None:
        _existing(ctx, campaign_id)
    manager, clients = command_manager(ctx)
    done = asyncio.run(_retry_deferred(manager, clients, campaign_id))
    if as_json:
        console.print_json(json.dumps(done.as_dict()))
        return
    shown = done.as_dict()
    console.print(
        f"deferred sends retried: {shown['retried']} (accepted {shown['accepted']}, deferred "
        f"again {shown['deferred_again']}, failed {shown['failed']}, unknown "
        f"{shown['unknown']}); failed for good after their last retry: "
        f"{shown['failed_for_good']}",
        highlight=False,
    )
    if shown["put_back"]:
        console.print(f"  {shown['put_back']} not sent now, retried later", highlight=False)
    for note in done.notes:
        err_console.print(note, style="yellow", highlight=False)


async def _retry_deferred(
    manager: CampaignManager, clients: CommandClients, campaign_id: int | None
) -> RetryPass:
    settings = manager.settings
    async with cloud_client(settings, manager.database) as pool:

        def client_for(number: str) -> TemplateSender:
            if number == settings.phone_number_id:
                return pool
            return pool.clients[0].for_number(number)

        clients.for_number = client_for
        try:
            bar = _RetryBar()
            retrier = manager.deferred_retrier(on_progress=bar.update)
            with bar.progress:
                return await retrier.run_once(campaign_id)
        finally:
            clients.for_number = None


class _RetryBar:
    """Progress of a retry pass: sends answered out of those due."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("accepted {task.fields[accepted]}"),
            TextColumn("deferred again {task.fields[deferred]}"),
            console=err_console,
        )
        self.task = self.progress.add_task("retrying", total=None, accepted=0, deferred=0)

    def update(self, event: RetryTally) -> None:
        self.progress.update(
            self.task,
            total=event.due or None,
            completed=event.done,
            accepted=event.accepted,
            deferred=event.deferred,
        )


@app.command("list")
def list_command(
    ctx: typer.Context, limit: int = typer.Option(20, "--limit", "-n", min=1, help="Rows.")
) -> None:
    """The latest campaigns."""
    database = open_database(ctx)
    with database.session() as session:
        campaigns = campaign_store.list_campaigns(session, limit=limit)
        shown = activities(session, campaigns)
        found = funnels(session, [c.id for c in campaigns])
        rows = [CampaignSummary.from_row(c, found[c.id]) for c in campaigns]
    table = Table("id", "state", "sel", "acc", "fail", "unk", "held")
    table.add_column("template", overflow="fold")
    for s in rows:
        table.add_row(
            str(s.campaign_id),
            shown[s.campaign_id].state,
            str(s.selected),
            str(s.accepted),
            str(s.failed),
            str(s.unknown),
            str(s.held_back),
            f"{s.template_name} ({s.language})",
        )
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    campaign_id: int = CAMPAIGN,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One campaign's numbers, failures by reason and error."""
    summary = _existing(ctx, campaign_id)
    with open_database(ctx).session() as session:
        cost = campaign_cost(session, rate_card(ctx), campaign_id)
    if as_json:
        now = shown_activity(open_database(ctx), campaign_id)
        shown = summary.as_dict() | {"state": now.state, "waiting_for": now.waiting_for}
        console.print_json(json.dumps(shown | {"cost": cost.as_json()}))
        return
    us = get_settings(ctx).marketing_to_us
    _print_summary(open_database(ctx), summary, as_json=False, marketing_to_us=us)
    for line in cost_lines(cost, "charged cost"):
        console.print(f"  {line}", highlight=False)
