"""Panel buttons for the jobs the CLI also does: "Sync templates", "Retry failed" and
"Release unknown sends".

Each uses exactly what the CLI and the API use — ``sync_templates`` with the app's Cloud API
client (app.state.cloud_client), ``retry_failed``, and ``release_unknown`` (the panel releases
what ``wabroadcast sends release --older-than 24h`` would, for one campaign) — so a button never
means something different from the command of the same name.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wabroadcast.engine.followup import NothingToRetry
from wabroadcast.engine.manager import CampaignManager
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.tables import Campaign
from wabroadcast.web.api.campaigns import start_in_loop
from wabroadcast.web.api.templates import sync_now
from wabroadcast.web.auth import require_csrf
from wabroadcast.web.errors import ApiError
from wabroadcast.web.reasons import api_error_text
from wabroadcast.web.views import queries
from wabroadcast.web.views.campaigns import UNKNOWN_RELEASE_AGE, parse_id
from wabroadcast.web.views.render import Panel
from wabroadcast.web.views.send import sending_disabled


def routes(panel: Panel) -> APIRouter:
    router = APIRouter()

    def templates_page(request: Request, flash: tuple[str, str], status: int) -> Response:
        with panel.database.session() as session:
            rows = queries.template_rows(session)
        return panel.page(
            request,
            "templates.html",
            nav="templates",
            status_code=status,
            path="/templates",
            templates=rows,
            flashes=[flash],
        )

    @router.post(
        "/templates/sync", response_class=HTMLResponse, dependencies=[Depends(require_csrf)]
    )
    async def sync_templates(request: Request) -> Response:
        """Fetch the WABA's templates now; a refused token or wrong WABA id is said plainly."""
        t = panel.translator(request)
        try:
            summary = await sync_now(request)
        except ApiError as exc:
            problem = t("templates.sync_failed", error=api_error_text(exc.message, t))
            return templates_page(request, ("error", problem), exc.status)
        text = t(
            "templates.synced_summary",
            names=t.number(summary.names),
            total=t.number(summary.total),
            added=t.number(summary.added),
            updated=t.number(summary.updated),
            gone=t.number(summary.gone),
        )
        return templates_page(request, ("ok", text), 200)

    @router.post("/campaigns/{raw_id}/retry-failed", dependencies=[Depends(require_csrf)])
    def retry(request: Request, raw_id: str) -> Response:
        """A follow-up campaign to the contacts released after retryable errors; its page."""
        t = panel.translator(request)
        campaign_id = parse_id(raw_id)
        with panel.database.session() as session:
            campaign = session.get(Campaign, campaign_id) if campaign_id is not None else None
            if campaign is None or campaign_id is None:
                message = t("campaign.not_found", id=raw_id)
                return panel.error_page(request, 404, "error.not_found", message)
            disabled = sending_disabled(request, t)
            try:
                if disabled is not None:
                    raise NothingToRetry(t("send.disabled", reason=disabled))
                manager: CampaignManager = request.app.state.campaigns
                follow_up = manager.retry_failed_in(session, campaign_id)
            except ValueError as exc:  # nothing to retry, refused like any campaign
                session.rollback()
                message = api_error_text(str(exc), t)
                return panel.error_page(request, 409, "campaign.retry_refused", message)
            new_id = follow_up.id
        start_in_loop(request, new_id)
        return RedirectResponse(f"/campaigns/{new_id}", status_code=303)

    @router.post("/campaigns/{raw_id}/release-unknown", dependencies=[Depends(require_csrf)])
    def release_unknown(request: Request, raw_id: str, confirm: str = Form("")) -> Response:
        """Forget this campaign's unknown sends claimed over a day ago, when the user ticks
        that the contact may get the template twice; later campaigns may send to them."""
        t = panel.translator(request)
        campaign_id = parse_id(raw_id)
        with panel.database.session() as session:
            if campaign_id is None or session.get(Campaign, campaign_id) is None:
                message = t("campaign.not_found", id=raw_id)
                return panel.error_page(request, 404, "error.not_found", message)
            if confirm != "yes":
                message = t("campaign.release_unconfirmed")
                return panel.error_page(request, 400, "campaign.release_title", message)
            released = send_store.release_unknown(
                session, before=panel.clock.now() - UNKNOWN_RELEASE_AGE, campaign_id=campaign_id
            )
        return RedirectResponse(f"/campaigns/{campaign_id}?released={released}", status_code=303)

    return router
