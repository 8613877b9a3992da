"""`wabroadcast ab-test` commands: A/B tests of templates (engine/ab_tests.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import typer
from rich.table import Table

from wabroadcast.cli.campaigns import command_manager, know_templates
from wabroadcast.cli.campaigns import run_and_report as _run_and_report
from wabroadcast.cli.common import console, fail, open_database
from wabroadcast.engine.ab_test_summary import AbTestSummary, VariantRow, summarize
from wabroadcast.engine.ab_tests import (
    AbTestAsk,
    AbTestRefused,
    cancel_in,
    check_ask,
    create_in,
    decide_in,
    get_test,
    settle,
)
from wabroadcast.engine.manager import CampaignRefused
from wabroadcast.storage import ab_tests as ab_store
from wabroadcast.storage.tables import AbTest

app = typer.Typer(help="A/B tests of templates: variants, a winner, then the rest.")
TEST = typer.Argument(..., help="A/B test id.")
JSON = typer.Option(False, "--json", help="Print JSON.")
NO_RUN = typer.Option(False, "--no-run", help="Only create; `campaign run ID` sends.")


def _row(row: VariantRow) -> dict[str, Any]:
    return {
        "variant": row.variant,
        "campaign_id": row.campaign_id,
        "template_name": row.template_name,
        "language": row.language,
        "state": row.state,
        "sent": row.sent,
        "delivered": row.delivered,
        "read": row.read,
        "replied": row.replied,
        "read_rate": row.read_rate,
        "reply_rate": row.reply_rate,
    }


def _as_dict(summary: AbTestSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "name": summary.name,
        "metric": summary.metric,
        "share": summary.share_percent,
        "decide_after_hours": summary.decide_after_hours,
        "state": summary.state,
        "winner_variant": summary.winner_variant,
        "note": summary.note,
        "limit": summary.limit,
        "created_at": summary.created_at.isoformat(),
        "decide_at": summary.decide_at.isoformat(),
        "decided_at": summary.decided_at.isoformat() if summary.decided_at else None,
        "variants": [_row(row) for row in summary.variants],
        "winner": _row(summary.winner) if summary.winner else None,
    }


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _print(summary: AbTestSummary) -> None:
    console.print(
        f"A/B test {summary.id} '{summary.name}': {summary.state}, metric {summary.metric}, "
        f"{summary.share_percent}% per variant, decided from {summary.decide_at:%Y-%m-%d %H:%M}"
        " UTC",
        highlight=False,
    )
    table = Table("variant", "campaign", "template", "sent", "delivered", "read", "replied")
    table.add_column("read rate")
    table.add_column("reply rate")
    rows = list(summary.variants) + ([summary.winner] if summary.winner else [])
    for row in rows:
        mark = " *" if row.variant == summary.winner_variant else ""
        table.add_row(
            row.variant + mark,
            str(row.campaign_id),
            row.template_name,
            str(row.sent),
            str(row.delivered),
            str(row.read),
            str(row.replied),
            _rate(row.read_rate),
            _rate(row.reply_rate),
        )
    console.print(table)
    if summary.winner_variant:
        console.print(f"winner: {summary.winner_variant}", highlight=False)
    if summary.note:
        console.print(summary.note, highlight=False)


def _show(ctx: typer.Context, test_id: int, as_json: bool) -> None:
    manager, _ = command_manager(ctx)
    with open_database(ctx).session() as session:
        settle(session, manager.clock.now())
        try:
            summary = summarize(session, get_test(session, test_id))
        except AbTestRefused as exc:
            fail(str(exc))
    if as_json:
        console.print_json(json.dumps(_as_dict(summary), ensure_ascii=False))
    else:
        _print(summary)


@app.command("create")
def create_command(
    ctx: typer.Context,
    name: str = typer.Option(..., "--name", help="What the test compares."),
    templates: list[str] = typer.Option(
        ..., "--template", help="A variant's template; give it 2 to 5 times (A, B, …)."
    ),
    language: str | None = typer.Option(
        None, "--language", help="Their language; default each template's only one."
    ),
    share: int = typer.Option(..., "--share", help="Percent of the audience per variant (1-50)."),
    metric: str = typer.Option(..., "--metric", help="read or reply: what makes a winner."),
    decide_after_hours: int = typer.Option(
        ..., "--decide-after-hours", help="Decide this many hours after creation (1-720)."
    ),
    limit: int | None = typer.Option(
        None, "--limit", help="At most this many contacts over the variants and the rest."
    ),
    no_run: bool = NO_RUN,
    as_json: bool = JSON,
) -> None:
    """Create an A/B test: one campaign per variant over its share, sent now (foreground)."""
    manager, _ = command_manager(ctx)
    ask = AbTestAsk(
        name=name,
        templates=tuple(templates),
        share=share,
        metric=metric,
        decide_after_hours=decide_after_hours,
        language=language,
        limit=limit,
    )
    try:
        check_ask(ask)
        asyncio.run(know_templates(ctx, templates))
        with open_database(ctx).session() as session:
            test_id = create_in(manager, session, ask).id
            variants = [c.id for c in ab_store.campaigns_of(session, test_id)]
    except (AbTestRefused, CampaignRefused) as exc:
        fail(str(exc))
    if not as_json:
        console.print(f"A/B test {test_id} created: campaigns {variants}", highlight=False)
    if not no_run:
        for campaign_id in variants:
            if as_json:
                _quiet(ctx, campaign_id)
            else:
                _run_and_report(ctx, campaign_id, as_json=False)
    _show(ctx, test_id, as_json)


def _quiet(ctx: typer.Context, campaign_id: int) -> None:
    """Run without the per-campaign report, so --json prints one document."""
    with console.capture():
        _run_and_report(ctx, campaign_id, as_json=False)


@app.command("list")
def list_command(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Every A/B test, newest first."""
    manager, _ = command_manager(ctx)
    with open_database(ctx).session() as session:
        settle(session, manager.clock.now())
        tests = session.query(AbTest).order_by(AbTest.id.desc()).all()
        summaries = [summarize(session, test) for test in tests]
    if as_json:
        console.print_json(json.dumps([_as_dict(s) for s in summaries], ensure_ascii=False))
        return
    table = Table("id", "name", "state", "metric", "share", "variants", "winner", "decide at")
    for s in summaries:
        letters = ", ".join(f"{r.variant}={r.template_name}" for r in s.variants)
        table.add_row(
            str(s.id),
            s.name,
            s.state,
            s.metric,
            f"{s.share_percent}%",
            letters,
            s.winner_variant or "-",
            f"{s.decide_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@app.command("show")
def show_command(ctx: typer.Context, test_id: int = TEST, as_json: bool = JSON) -> None:
    """The variants side by side: sent, delivered, read, replied, rates, winner."""
    _show(ctx, test_id, as_json)


@app.command("decide")
def decide_command(
    ctx: typer.Context, test_id: int = TEST, no_run: bool = NO_RUN, as_json: bool = JSON
) -> None:
    """Decide now: pick the winner and send it to the rest (foreground)."""
    manager, _ = command_manager(ctx)
    try:
        with open_database(ctx).session() as session:
            _, decision, rest = decide_in(manager, session, test_id, now_or_later=True)
            rest_id = rest.id if rest is not None else None
    except (AbTestRefused, CampaignRefused) as exc:
        fail(str(exc))
    if not as_json:
        console.print(f"A/B test {test_id}: {decision.reason}", highlight=False)
    if rest_id is not None and not no_run:
        if as_json:
            _quiet(ctx, rest_id)
        else:
            _run_and_report(ctx, rest_id, as_json=False)
    _show(ctx, test_id, as_json)


@app.command("cancel")
def cancel_command(ctx: typer.Context, test_id: int = TEST, as_json: bool = JSON) -> None:
    """Cancel the test and its campaigns that have not ended."""
    manager, _ = command_manager(ctx)
    try:
        with open_database(ctx).session() as session:
            cancel_in(manager, session, test_id)
    except AbTestRefused as exc:
        fail(str(exc))
    _show(ctx, test_id, as_json)
