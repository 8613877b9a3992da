"""/api/campaigns: start a campaign in the background, watch it, pause, resume, cancel, export,
retry the sends that failed for retryable reasons.

Pause, resume and cancel only change the stored state (the engine reads it between batches),
so they work the same whether this server, another one or the CLI is running the campaign.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wabroadcast.clock import Clock
from wabroadcast.domain.audience import audience_from_json
from wabroadcast.domain.models import CampaignState
from wabroadcast.domain.transitions import TransitionError
from wabroadcast.engine import cancel_campaign, pause_campaign, resume_campaign
from wabroadcast.engine.activity import activities, activity
from wabroadcast.engine.followup import NothingToRetry
from wabroadcast.engine.manager import CampaignManager, CampaignRefused, CampaignRequest
from wabroadcast.engine.retarget import RetargetAsk, RetargetRefused
from wabroadcast.storage import sends as send_store
from wabroadcast.storage import templates as template_store
from wabroadcast.storage.ab_tests import narrow_of
from wabroadcast.storage.db import Database
from wabroadcast.storage.deferred import deferral_counts
from wabroadcast.storage.endpoints import endpoint_counts
from wabroadcast.storage.retargets import retarget_of
from wabroadcast.storage.send_results import SendFilter
from wabroadcast.storage.stats import funnels
from wabroadcast.storage.tables import Campaign
from wabroadcast.web.api.deps import (
    CampaignsDep,
    ClockDep,
    DatabaseDep,
    SessionDep,
    create_campaign_or_refuse,
    require_sender,
)
from wabroadcast.web.api.queries import campaign_public
from wabroadcast.web.api.schemas import (
    CampaignCreate,
    CampaignCreated,
    CampaignPage,
    CampaignPublic,
    RetargetCreate,
)
from wabroadcast.web.api.sends import export_response
from wabroadcast.web.api.tags import audience_or_refuse
from wabroadcast.web.costs import RateCardDep, campaign_cost, cost_public
from wabroadcast.web.errors import ApiError
from wabroadcast.web.exports import XLSX_MEDIA_TYPE

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])
CampaignId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Campaign id.")]


def not_found(campaign_id: int) -> ApiError:
    return ApiError(404, "not_found", f"campaign {campaign_id} does not exist")


def load_public(session: Session, campaign_id: int, campaigns: CampaignManager) -> CampaignPublic:
    campaign = session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None:
        raise not_found(campaign_id)
    funnel = funnels(session, [campaign_id])[campaign_id]
    shown = activity(session, campaign, running_here=campaigns.running)
    us = campaigns.settings.marketing_to_us
    skipped = skipped_us(session, campaign, marketing_to_us=us, now=campaigns.clock.now())
    deferrals = deferral_counts(session, [campaign_id])[campaign_id]
    endpoints = endpoint_counts(session, campaign_id)
    running = campaigns.running(campaign_id)
    return campaign_public(campaign, funnel, running, shown, skipped, deferrals, endpoints)


def skipped_us(
    session: Session, campaign: Campaign, *, marketing_to_us: bool, now: datetime
) -> int | None:
    """For one campaign only: the count walks the contact list (lists leave it null)."""
    if template_store.category_of(session, campaign.template_name) != template_store.MARKETING:
        return None
    return send_store.count_skipped_us(
        session,
        campaign.template_name,
        retry_of=campaign.retry_of_campaign_id,
        retarget=retarget_of(campaign),
        narrow=narrow_of(session, campaign),
        marketing_to_us=marketing_to_us,
        audience=audience_from_json(campaign.audience),
        now=now,
    )


@router.post("", status_code=202, response_model=CampaignCreated)
async def create(
    body: CampaignCreate,
    request: Request,
    response: Response,
    campaigns: CampaignsDep,
) -> CampaignCreated:
    """Create the campaign and start sending in the background; poll GET /{id} for progress.

    Refused with 422 before any campaign exists when the template, language, limit or number
    cannot work (the message names what exists instead), or the audience cannot be read."""
    require_sender(request)
    campaign_id = await create_campaign_or_refuse(
        campaigns,
        CampaignRequest(
            template_name=body.template_name,
            language=body.language,
            limit=body.limit,
            phone_number_id=body.phone_number_id,
            parameters=body.parameters,
            audience=audience_or_refuse(body.audience),
        ),
    )
    state = CampaignState.RUNNING.value
    _ = campaigns.start(campaign_id)  # the manager holds the task
    url = f"/api/campaigns/{campaign_id}"
    response.headers["Location"] = url
    return CampaignCreated(id=campaign_id, state=state, url=url)


def start_in_loop(request: Request, campaign_id: int) -> None:
    """Sync handlers run in a worker thread; the run's task belongs to the server's loop."""
    from anyio.from_thread import run_sync

    campaigns: CampaignManager = request.app.state.campaigns

    def start() -> None:
        _ = campaigns.start(campaign_id)  # the manager holds the task

    run_sync(start)


@router.get("", response_model=CampaignPage)
def list_campaigns(
    session: SessionDep,
    campaigns: CampaignsDep,
    state: CampaignState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> CampaignPage:
    """Newest first."""
    query = select(Campaign)
    count = select(func.count()).select_from(Campaign)
    if state is not None:
        query = query.where(Campaign.state == state.value)
        count = count.where(Campaign.state == state.value)
    rows = list(session.scalars(query.order_by(Campaign.id.desc()).limit(limit).offset(offset)))
    found = funnels(session, [c.id for c in rows])
    deferred = deferral_counts(session, [c.id for c in rows])
    shown = activities(session, rows, running_here=campaigns.running)
    items = [
        campaign_public(c, found[c.id], campaigns.running(c.id), shown[c.id], None, deferred[c.id])
        for c in rows
    ]
    total = session.scalar(count) or 0
    return CampaignPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{campaign_id}", response_model=CampaignPublic)
def read(
    campaign_id: CampaignId, session: SessionDep, campaigns: CampaignsDep, card: RateCardDep
) -> CampaignPublic:
    """Live counts: selected, accepted, failed by reason, unknown, held back, funnel, and the
    charged cost (`cost`)."""
    public = load_public(session, campaign_id, campaigns)
    cost = cost_public(campaign_cost(session, card, campaign_id))
    return public.model_copy(update={"cost": cost})


def _change(
    database: Database,
    clock: Clock,
    campaign_id: int,
    action: Callable[..., object],
) -> None:
    with database.session() as session:
        if session.get(Campaign, campaign_id) is None:
            raise not_found(campaign_id)
        try:
            action(session, campaign_id, clock)
        except TransitionError as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        except LookupError:
            raise not_found(campaign_id) from None


@router.post("/{campaign_id}/pause", response_model=CampaignPublic)
def pause(
    campaign_id: CampaignId, database: DatabaseDep, clock: ClockDep, campaigns: CampaignsDep
) -> CampaignPublic:
    """The engine stops after its current batch; claims already made are finished first."""
    _change(database, clock, campaign_id, pause_campaign)
    with database.session() as session:
        return load_public(session, campaign_id, campaigns)


@router.post("/{campaign_id}/resume", response_model=CampaignPublic)
def resume(
    campaign_id: CampaignId,
    request: Request,
    database: DatabaseDep,
    clock: ClockDep,
    campaigns: CampaignsDep,
) -> CampaignPublic:
    """Back to running, and a new background run picks up the contacts not yet claimed."""
    require_sender(request)
    _change(database, clock, campaign_id, resume_campaign)
    start_in_loop(request, campaign_id)
    with database.session() as session:
        return load_public(session, campaign_id, campaigns)


@router.post("/{campaign_id}/cancel", response_model=CampaignPublic)
def cancel(
    campaign_id: CampaignId, database: DatabaseDep, clock: ClockDep, campaigns: CampaignsDep
) -> CampaignPublic:
    """Final: nothing more is sent; a later campaign of the template reaches whoever is left."""
    _change(database, clock, campaign_id, cancel_campaign)
    with database.session() as session:
        return load_public(session, campaign_id, campaigns)


@router.post("/{campaign_id}/retry-failed", status_code=202, response_model=CampaignCreated)
def retry_failed_sends(
    campaign_id: CampaignId,
    request: Request,
    response: Response,
    database: DatabaseDep,
    campaigns: CampaignsDep,
) -> CampaignCreated:
    """A follow-up campaign to exactly the contacts this one released after retryable errors
    (throttling, 131056, 5xx, no answer) that are still eligible; started in the background.
    409 `nothing_to_retry` when there are none or the campaign is still running; 422 when the
    follow-up would be refused like any campaign (template no longer APPROVED, number gone)."""
    require_sender(request)
    with database.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise not_found(campaign_id)
        try:
            follow_up = campaigns.retry_failed_in(session, campaign_id)
        except NothingToRetry as exc:
            raise ApiError(409, "nothing_to_retry", str(exc)) from None
        except CampaignRefused as exc:
            raise ApiError(422, exc.code, str(exc), field=exc.field) from None
        new_id, state = follow_up.id, follow_up.state
    start_in_loop(request, new_id)
    url = f"/api/campaigns/{new_id}"
    response.headers["Location"] = url
    return CampaignCreated(id=new_id, state=state, url=url)


@router.post("/{campaign_id}/retarget", status_code=201, response_model=CampaignPublic)
def retarget(
    campaign_id: CampaignId,
    body: RetargetCreate,
    request: Request,
    response: Response,
    database: DatabaseDep,
    campaigns: CampaignsDep,
) -> CampaignPublic:
    """A campaign of another template to this campaign's contacts who did not read (or reply
    to) its send within `after_days` days; started in the background. 404 for an unknown
    campaign; 409 `campaign_running` or `nothing_to_retarget` (saying how many become eligible
    and from when); 422 for the same template, days out of 1–90, or a template that cannot be
    sent."""
    require_sender(request)
    ask = RetargetAsk(
        template_name=body.template,
        when=body.when,
        after_days=body.after_days,
        language=body.language,
        limit=body.limit,
    )
    with database.session() as session:
        try:
            new_id = campaigns.retarget_in(session, campaign_id, ask).id
        except RetargetRefused as exc:
            raise ApiError(exc.status, exc.code, str(exc), field=exc.field) from None
        except CampaignRefused as exc:
            field = "template" if exc.field == "template_name" else exc.field
            raise ApiError(422, exc.code, str(exc), field=field) from None
    start_in_loop(request, new_id)
    response.headers["Location"] = f"/api/campaigns/{new_id}"
    with database.session() as session:
        return load_public(session, new_id, campaigns)


@router.get(
    "/{campaign_id}/sends.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per send."}},
)
def export_sends(campaign_id: CampaignId, database: DatabaseDep) -> Response:
    """Every send of the campaign as CSV, streamed in batches (bounded memory at any size)."""
    return _export(database, campaign_id, "csv")


@router.get(
    "/{campaign_id}/sends.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "One row per send."}},
)
def export_sends_xlsx(campaign_id: CampaignId, database: DatabaseDep) -> Response:
    """The same rows as sends.csv, as an Excel workbook."""
    return _export(database, campaign_id, "xlsx")


def _export(database: Database, campaign_id: int, file_format: str) -> Response:
    with database.session() as session:
        if session.get(Campaign, campaign_id) is None:
            raise not_found(campaign_id)
    return export_response(database, SendFilter(campaign_id=campaign_id), file_format)
