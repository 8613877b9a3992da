"""The send page: pick a template, a language and a count; see who is eligible; start.

The eligible count and the preview use the engine's own selection query
(`storage.sends.eligible_contacts`), so what the page promises is exactly who the campaign
will claim: never-sent-this-template, not opted out, not unreachable, in imported order.
For a MARKETING template the US (+1) numbers it leaves out are counted and explained, since
Meta does not deliver them (see storage.sends.US_PREFIX).
The campaign runs in the background under the app's campaign manager (the same one the API
uses), so leaving the page does not stop it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from wabroadcast.domain.audience import Audience, AudienceError, build_audience, split_tags
from wabroadcast.domain.render import RenderError, parse_options
from wabroadcast.engine import templates as engine_templates
from wabroadcast.engine.manager import (
    MAX_CAMPAIGN_LIMIT,
    CampaignManager,
    CampaignRefused,
    CampaignRequest,
    is_language_code,
    is_template_name,
    limit_problem,
)
from wabroadcast.pricing.card import RateCard
from wabroadcast.pricing.costs import CostReport
from wabroadcast.storage import contacts as contact_store
from wabroadcast.storage import sends as send_store
from wabroadcast.storage import templates as template_store
from wabroadcast.storage.tables import Template
from wabroadcast.web.audience_reasons import audience_text
from wabroadcast.web.costs import money, send_estimate
from wabroadcast.web.i18n import Translator
from wabroadcast.web.reasons import api_error_text, unavailable_reason_text
from wabroadcast.web.views.render import Panel

ELIGIBLE_CAP = 1_000_000
"""Counting stops here: walking millions of contacts on every keystroke would stall the page."""
PREVIEW_SIZE = 10
AUDIENCE_FIELDS = ("tags", "match", "where", "exclude_tags", "exclude_replied_days")
"""The audience's form fields (templates/_audience_fields.html), on the send and schedule
forms alike."""
DAILY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class SendForm:
    template: str = ""
    language: str = ""
    limit: str = "225"
    tags: str = ""
    """The audience (domain/audience.py): tags separated by `;`, `any` or `all`, one
    attribute condition per line, excluded tags, no reply in the last N days."""
    match: str = "any"
    where: str = ""
    exclude_tags: str = ""
    exclude_replied_days: str = ""
    parameters: str = ""
    """Template parameters, one `--param` per line (`1=name:Müşterimiz`), as on schedules."""

    @classmethod
    def from_values(cls, values: Any) -> SendForm:
        def text(key: str, default: str = "", size: int = 512) -> str:
            value = values.get(key)
            return value.strip()[:size] if isinstance(value, str) else default

        return cls(
            text("template"),
            text("language"),
            text("limit", "225") or "225",
            tags=text("tags", size=2000),
            match="all" if text("match") == "all" else "any",
            where=text("where", size=4000),
            exclude_tags=text("exclude_tags", size=2000),
            exclude_replied_days=text("exclude_replied_days", size=10),
            parameters=text("parameters", size=4000),
        )

    def audience(self) -> Audience | None:
        """The audience the form describes (None: every contact); raises AudienceError."""
        days = self.exclude_replied_days
        if days and not days.isdigit():
            raise AudienceError(f"exclude_replied_days must be a whole number, got {days!r}")
        audience = build_audience(
            tags=split_tags(self.tags),
            match=self.match,
            where=[line for line in self.where.splitlines() if line.strip()],
            exclude_tags=split_tags(self.exclude_tags),
            exclude_replied_days=int(days) if days else None,
        )
        return None if audience.is_everyone else audience


def parameters_from_lines(text: str) -> dict[str, Any]:
    """One body parameter per line (`1=name:Fallback`, `2==fixed`), as `--param` takes them;
    the send and schedule forms alike. Raises RenderError with the line at fault."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return parse_options(lines)


def form_parameters_or_none(form: SendForm) -> dict[str, Any] | None:
    """For the live counts and preview: the form's parameters, None while they do not parse
    (starting the campaign says what is wrong)."""
    try:
        return parameters_from_lines(form.parameters) or None
    except RenderError:
        return None


def parse_limit(raw: str) -> int | None:
    """A whole number the campaign manager takes as a limit, else None (the page says which
    field is wrong)."""
    try:
        value = int(raw.strip())
    except ValueError:
        return None
    return value if limit_problem(value) is None else None


@dataclass(frozen=True)
class Eligibility:
    eligible: int
    capped: bool
    will_send: int | None
    recipients_24h: int
    daily_limit: int | None
    preview: list[dict[str, str | None]]
    message: str | None = None
    """The body text the first recipient would read, when the template is stored."""
    skipped_us: int = 0
    """US (+1) contacts a MARKETING template leaves out (MARKETING_TO_US not set)."""
    cost: CostReport | None = None
    """What the contacts it would send to cost at the rate card's prices."""

    def skipped_us_text(self, t: Translator) -> str | None:
        if not self.skipped_us:
            return None
        if self.skipped_us == 1:
            return t("send.skipped_us_one")
        count = t.number(self.skipped_us) + ("+" if self.skipped_us >= ELIGIBLE_CAP else "")
        return t("send.skipped_us", count=count)

    def as_json(self, t: Translator) -> dict[str, Any]:
        number = t.number
        return {
            "eligible": self.eligible,
            "eligible_text": number(self.eligible) + ("+" if self.capped else ""),
            "capped": self.capped,
            "will_send": self.will_send,
            "recipients_24h": self.recipients_24h,
            "daily_limit": self.daily_limit,
            "preview": self.preview,
            "message": self.message,
            "skipped_us": self.skipped_us,
            "skipped_us_text": self.skipped_us_text(t),
            "estimated_cost": self.cost.as_json() if self.cost else None,
            **estimate_texts(self.cost, t),
        }


def estimate_texts(cost: CostReport | None, t: Translator) -> dict[str, Any]:
    """The estimate as the page shows it: total, one line per market, the card's date."""
    if cost is None:
        return {"estimated_cost_text": None, "estimated_cost_lines": [], "estimate_note": None}
    language, currency = t.language, cost.currency
    lines = [
        t(
            "send.estimate_line",
            market=line.market,
            category=line.category,
            count=t.number(line.messages),
            price="–" if line.unit_price is None else money(line.unit_price, currency, language),
        )
        for line in cost.lines
    ]
    if cost.unpriced_messages:
        lines.append(t("send.estimate_unpriced", count=t.number(cost.unpriced_messages)))
    return {
        "estimated_cost_text": t("send.estimate", total=money(cost.total, currency, language)),
        "estimated_cost_lines": lines,
        "estimate_note": t("send.estimate_note", date=cost.card_date),
    }


def first_message(
    session: Session,
    template: str,
    language: str,
    marketing_to_us: bool,
    audience: Audience | None = None,
    now: datetime | None = None,
    parameters: dict[str, Any] | None = None,
) -> str | None:
    """Rendered with the template store's own preview, so it matches what would be sent."""
    row = template_store.get_template(session, template, language) if language else None
    if row is None:
        return None
    try:
        bodies = engine_templates.preview(
            session,
            parameters,
            row,
            limit=1,
            marketing_to_us=marketing_to_us,
            audience=audience,
            now=now,
        )
    except ValueError:  # the parameters given do not fit the template (yet)
        return None
    return bodies[0] if bodies else None


def eligibility(
    session: Session,
    panel: Panel,
    template: str,
    limit: int | None,
    *,
    preview: bool,
    language: str = "",
    card: RateCard | None = None,
    audience: Audience | None = None,
    parameters: dict[str, Any] | None = None,
) -> Eligibility:
    """Who `template` would reach. A name that is not a template name (HTML, NUL, 100,000
    characters) reaches nobody and is never put to the database: PostgreSQL refuses NUL."""
    if not is_template_name(template):
        return Eligibility(0, False, None if limit is None else 0, 0, None, [])
    if not is_language_code(language):
        language = ""
    us = panel.settings.marketing_to_us
    now = panel.clock.now()
    narrowed: dict[str, Any] = {"marketing_to_us": us, "audience": audience, "now": now}
    eligible = send_store.count_eligible(session, template, at_most=ELIGIBLE_CAP, **narrowed)
    skipped_us = send_store.count_skipped_us(session, template, at_most=ELIGIBLE_CAP, **narrowed)
    recent = send_store.recipients_since(session, now - DAILY_WINDOW)
    daily = panel.settings.daily_recipient_limit
    will_send = None
    if limit is not None:
        will_send = min(eligible, limit)
        if daily is not None:
            will_send = min(will_send, max(0, daily - recent))
    first: list[dict[str, str | None]] = []
    if preview:
        chosen = send_store.select_eligible(session, template, PREVIEW_SIZE, **narrowed)
        names = contact_store.names_of(session, [c for c, _ in chosen])
        first = [{"name": names.get(cid), "phone": phone} for cid, phone in chosen]
    message = (
        first_message(session, template, language, us, audience, now, parameters)
        if preview and first
        else None
    )
    capped = eligible >= ELIGIBLE_CAP
    cost = None
    if card is not None:
        take = eligible if will_send is None else will_send
        cost = send_estimate(session, card, template, limit=take, **narrowed)
    return Eligibility(eligible, capped, will_send, recent, daily, first, message, skipped_us, cost)


def stored_templates(session: Session) -> list[tuple[str, list[Template]]]:
    """Templates grouped by name, for the picker (each name with its languages)."""
    grouped: dict[str, list[Template]] = {}
    for row in session.scalars(select(Template).order_by(Template.name, Template.language)):
        grouped.setdefault(row.name, []).append(row)
    return list(grouped.items())


def sending_disabled(request: Request, t: Translator) -> str | None:
    """Why the app cannot send (no access token and no simulator) in the page's language, or
    None when it can."""
    state = request.app.state
    if getattr(state, "cloud_client", True) is None:
        reason = str(getattr(state, "cloud_error", None) or "no Cloud API client")
        return unavailable_reason_text(reason, t)
    return None


def routes(panel: Panel) -> APIRouter:
    router = APIRouter()

    def render(request: Request, form: SendForm, *, error: str | None, status: int) -> Response:
        t = panel.translator(request)
        limit = parse_limit(form.limit)
        try:
            audience = form.audience()
        except AudienceError:
            audience = None  # the error says so; the counts are the form's without it
        parameters = form_parameters_or_none(form)
        with panel.database.session() as session:
            templates = stored_templates(session)
            found = (
                eligibility(
                    session,
                    panel,
                    form.template,
                    limit,
                    preview=True,
                    language=form.language,
                    card=request.app.state.rate_card,
                    audience=audience,
                    parameters=parameters,
                )
                if form.template
                else None
            )
        return panel.page(
            request,
            "send.html",
            nav="send",
            status_code=status,
            path="/send",
            form=form,
            error=error,
            templates=templates,
            max_limit=MAX_CAMPAIGN_LIMIT,
            eligible=found.eligible if found else None,
            will_send=found.will_send if found else None,
            preview=found.preview if found else [],
            message=found.message if found else None,
            skipped_us=found.skipped_us_text(t) if found else None,
            estimate=estimate_texts(found.cost if found else None, t),
            disabled=sending_disabled(request, t),
        )

    @router.get("/send", response_class=HTMLResponse)
    def send_page(request: Request) -> Response:
        return render(request, SendForm.from_values(request.query_params), error=None, status=200)

    @router.post("/send", response_class=HTMLResponse)
    async def start_campaign(request: Request) -> Response:
        """Create the campaign (the API's checks, via the campaign manager), start it in the
        background, go to its live page."""
        t = panel.translator(request)
        values = await request.form()
        form = SendForm.from_values(values)
        # As typed, not the form's 512 characters: the manager refuses a longer name by name.
        template, language = (str(values.get(key) or "") for key in ("template", "language"))
        count = parse_limit(form.limit)
        problem = None
        if not form.template:
            problem = t("send.error.template")
        elif not form.language:
            problem = t("send.error.language")
        elif count is None:
            problem = t("send.error.limit", max=t.number(MAX_CAMPAIGN_LIMIT))
        audience: Audience | None = None
        parameters: dict[str, Any] = {}
        if problem is None:
            try:
                audience = form.audience()
            except AudienceError as exc:
                problem = t("send.error.audience", reason=audience_text(str(exc), t))
        if problem is None:
            try:
                parameters = parameters_from_lines(form.parameters)
            except RenderError as exc:
                problem = t("send.error.parameters", reason=api_error_text(str(exc), t))
        if problem is not None or count is None:
            return render(request, form, error=problem, status=400)
        disabled = sending_disabled(request, t)
        if disabled is not None:
            return render(request, form, error=t("send.disabled", reason=disabled), status=503)
        manager: CampaignManager = request.app.state.campaigns
        try:
            campaign_id = await manager.create(
                CampaignRequest(
                    template_name=template,
                    language=language,
                    limit=count,
                    parameters=parameters or None,
                    audience=audience,
                )
            )
        except CampaignRefused as exc:  # unknown template/language, not APPROVED: say so
            return render(request, form, error=api_error_text(str(exc), t), status=400)
        _ = manager.start(campaign_id)  # the manager holds the task
        return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)

    @router.get("/panel/api/eligible")
    def eligible(request: Request) -> JSONResponse:
        """The count shown as the user types: {"eligible", "will_send", "preview": [...]}."""
        t = panel.translator(request)
        form = SendForm.from_values(request.query_params)
        if not form.template:
            return JSONResponse({"error": {"code": "bad_request", "message": "template?"}}, 400)
        try:
            audience = form.audience()
        except AudienceError as exc:
            message = t("send.error.audience", reason=audience_text(str(exc), t))
            return JSONResponse({"error": {"code": "invalid_audience", "message": message}}, 422)
        with panel.database.session() as session:
            found = eligibility(
                session,
                panel,
                form.template,
                parse_limit(form.limit),
                preview=request.query_params.get("preview") == "1",
                language=form.language,
                card=request.app.state.rate_card,
                audience=audience,
                parameters=form_parameters_or_none(form),
            )
        body = found.as_json(t)
        if found.will_send is not None:
            body["will_send_text"] = t("send.will_send", count=t.number(found.will_send))
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    return router
