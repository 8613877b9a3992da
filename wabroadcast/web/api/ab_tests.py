"""/api/ab-tests: A/B tests of templates (engine/ab_tests.py).

Creating one creates a campaign per variant and starts them in the background; serve's
periodic check decides the test when its hours have passed (engine/ab_test_runs.py), or
POST /{id}/decide decides it now. Each variant is also an ordinary /api/campaigns campaign.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy import func, select

from wabroadcast.engine.ab_test_summary import summarize
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
from wabroadcast.web.api.ab_test_schemas import AbTestCreate, AbTestPage, AbTestPublic
from wabroadcast.web.api.campaigns import start_in_loop
from wabroadcast.web.api.deps import CampaignsDep, DatabaseDep, require_sender
from wabroadcast.web.api.tags import audience_or_refuse
from wabroadcast.web.errors import ApiError

router = APIRouter(prefix="/api/ab-tests", tags=["ab-tests"])
AbTestId = Annotated[int, Path(ge=1, le=2**63 - 1, description="A/B test id.")]


def _refused(exc: AbTestRefused | CampaignRefused) -> ApiError:
    if isinstance(exc, AbTestRefused):
        return ApiError(exc.status, exc.code, str(exc), field=exc.field)
    field = "templates" if exc.field == "template_name" else exc.field
    return ApiError(422, exc.code, str(exc), field=field)


def _public(database: DatabaseDep, test_id: int) -> AbTestPublic:
    with database.session() as session:
        return AbTestPublic.of(summarize(session, get_test(session, test_id)))


@router.post("", status_code=201, response_model=AbTestPublic)
async def create(
    body: AbTestCreate,
    request: Request,
    response: Response,
    database: DatabaseDep,
    campaigns: CampaignsDep,
) -> AbTestPublic:
    """Create the test and its variants' campaigns and start them. 422 before anything exists
    for 0, 1 or more than 5 templates, a share out of 1–50 (or more than 100% together),
    hours out of 1–720, or a template that cannot be sent."""
    require_sender(request)
    ask = AbTestAsk(
        name=body.name,
        templates=tuple(body.templates),
        share=body.share,
        metric=body.metric,
        decide_after_hours=body.decide_after_hours,
        language=body.language,
        limit=body.limit,
        phone_number_id=body.phone_number_id,
        audience=audience_or_refuse(body.audience),
    )
    try:
        check_ask(ask)  # before a template sync: a refusal costs no Cloud API call
        for name in dict.fromkeys(ask.templates):
            await campaigns.know_template(name)  # synced from the Cloud API when unknown
        test_id, started = await asyncio.to_thread(_create, database, campaigns, ask)
    except (AbTestRefused, CampaignRefused) as exc:
        raise _refused(exc) from None
    for campaign_id in started:
        _ = campaigns.start(campaign_id)  # the manager holds the task
    response.headers["Location"] = f"/api/ab-tests/{test_id}"
    return await asyncio.to_thread(_public, database, test_id)


def _create(
    database: DatabaseDep, campaigns: CampaignsDep, ask: AbTestAsk
) -> tuple[int, list[int]]:
    with database.session() as session:
        test = create_in(campaigns, session, ask)
        return test.id, [c.id for c in ab_store.campaigns_of(session, test.id)]


@router.get("", response_model=AbTestPage)
def list_tests(database: DatabaseDep, campaigns: CampaignsDep) -> AbTestPage:
    """Newest first, each with its variants side by side."""
    with database.session() as session:
        settle(session, campaigns.clock.now())
        tests = session.scalars(select(AbTest).order_by(AbTest.id.desc()).limit(200)).all()
        total = session.scalar(select(func.count()).select_from(AbTest)) or 0
        items = [AbTestPublic.of(summarize(session, test)) for test in tests]
        return AbTestPage(items=items, total=total)


@router.get("/{test_id}", response_model=AbTestPublic)
def show(test_id: AbTestId, database: DatabaseDep, campaigns: CampaignsDep) -> AbTestPublic:
    """The variants side by side: sent, delivered, read, replied, rates; the winner."""
    with database.session() as session:
        settle(session, campaigns.clock.now())
        try:
            return AbTestPublic.of(summarize(session, get_test(session, test_id)))
        except AbTestRefused as exc:
            raise _refused(exc) from None


@router.post("/{test_id}/decide", response_model=AbTestPublic)
def decide(
    test_id: AbTestId, request: Request, database: DatabaseDep, campaigns: CampaignsDep
) -> AbTestPublic:
    """Decide now, before decide_at: pick the winner and start it for the rest. 409
    `not_testing` (decided or cancelled) or `variants_sending` (a variant still sends)."""
    require_sender(request)
    with database.session() as session:
        try:
            _, _, rest = decide_in(campaigns, session, test_id, now_or_later=True)
        except (AbTestRefused, CampaignRefused) as exc:
            raise _refused(exc) from None
        rest_id = rest.id if rest is not None else None
    if rest_id is not None:
        start_in_loop(request, rest_id)
    return _public(database, test_id)


@router.post("/{test_id}/cancel", response_model=AbTestPublic)
def cancel(test_id: AbTestId, database: DatabaseDep, campaigns: CampaignsDep) -> AbTestPublic:
    """Final: the test is cancelled and so are its campaigns that have not ended."""
    with database.session() as session:
        try:
            cancel_in(campaigns, session, test_id)
        except AbTestRefused as exc:
            raise _refused(exc) from None
    return _public(database, test_id)
