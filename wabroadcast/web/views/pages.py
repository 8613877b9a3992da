"""Read-only pages: dashboard, campaign list, templates, webhook log, stats."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from wabroadcast.engine.activity import activities
from wabroadcast.engine.number_limits import stored_number_limits
from wabroadcast.storage import stats as stat_store
from wabroadcast.storage.stats import overview
from wabroadcast.storage.template_rates import RATE_SERIES, template_rates
from wabroadcast.web.costs import cost_view, daily_cost_reports, money
from wabroadcast.web.views import queries
from wabroadcast.web.views.campaigns import runs_here
from wabroadcast.web.views.charts import line_chart
from wabroadcast.web.views.paging import PER_PAGE, Pager, before_id, page_number
from wabroadcast.web.views.render import Panel
from wabroadcast.web.views.template_charts import template_charts

STATS_RANGES = (7, 14, 30, 90)


def routes(panel: Panel) -> APIRouter:
    router = APIRouter()

    @router.get("/", response_class=HTMLResponse)
    def dashboard(request: Request) -> HTMLResponse:
        with panel.database.session() as session:
            numbers = overview(session)
            recent, _ = queries.campaign_page(session, offset=0, limit=5)
            shown = activities(session, recent, running_here=runs_here(request))
            failed = queries.failed_counts(session, recent)
        return panel.page(
            request,
            "dashboard.html",
            nav="dashboard",
            numbers=stored_number_limits(panel.database, panel.settings),
            overview=numbers,
            campaigns=recent,
            shown=shown,
            failed=failed,
        )

    @router.get("/campaigns", response_class=HTMLResponse)
    def campaign_list(request: Request) -> HTMLResponse:
        offset = (page_number(request) - 1) * PER_PAGE
        with panel.database.session() as session:
            rows, total = queries.campaign_page(session, offset=offset, limit=PER_PAGE)
            shown = activities(session, rows, running_here=runs_here(request))
            failed = queries.failed_counts(session, rows)
        pager = Pager.from_request(request, total)
        return panel.page(
            request,
            "campaigns.html",
            nav="campaigns",
            campaigns=rows,
            shown=shown,
            failed=failed,
            pager=pager,
        )

    @router.get("/templates", response_class=HTMLResponse)
    def template_list(request: Request) -> HTMLResponse:
        with panel.database.session() as session:
            rows = queries.template_rows(session)
        return panel.page(request, "templates.html", nav="templates", templates=rows)

    @router.get("/logs/webhooks", response_class=HTMLResponse)
    def webhook_log(request: Request) -> HTMLResponse:
        before = before_id(request)
        with panel.database.session() as session:
            events, has_older = queries.webhook_log(session, before_id=before, limit=PER_PAGE)
        older = f"{request.url.path}?before_id={events[-1].id}" if has_older and events else None
        newest = request.url.path if before is not None else None
        return panel.page(
            request,
            "webhook_log.html",
            nav="webhooks",
            events=events,
            older_url=older,
            newest_url=newest,
        )

    @router.get("/stats", response_class=HTMLResponse)
    def stats(request: Request) -> HTMLResponse:
        t = panel.translator(request)
        try:
            days = int(request.query_params.get("days", "14"))
        except ValueError:
            days = 14
        days = days if days in STATS_RANGES else 14
        card = request.app.state.rate_card
        today = panel.clock.now().date()
        with panel.database.session() as session:
            rows = [
                day.as_row() for day in stat_store.daily_counts(session, today=today, days=days)
            ]
            costs, whole = daily_cost_reports(session, card, today=today, days=days)
            rates = template_rates(session, today=today, days=days)
        for row, (_, day_cost) in zip(rows, costs, strict=True):
            row["cost"] = money(day_cost.total, card.currency, t.language)
        keys = stat_store.DAY_SERIES
        labels = {key: t("stats." + key) for key in keys}
        chart = line_chart(rows, keys, labels=labels, title=t("stats.chart_title"), number=t.number)
        totals = {key: sum(int(row[key]) for row in rows) for key in keys}
        charts, more_templates = template_charts(rates, t)
        return panel.page(
            request,
            "stats.html",
            nav="stats",
            days=days,
            rows=list(reversed(rows)),
            series_keys=keys,
            totals=totals,
            chart=chart,
            cost=cost_view(whole, t),
            rate_series=RATE_SERIES,
            template_charts=charts,
            more_templates=more_templates,
        )

    return router
