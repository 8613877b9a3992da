"""The campaign page: live progress (server-sent events), the funnel, failures, controls.

Pause, resume and cancel are the engine's state changes (the engine reads the state between
batches), so the buttons work whichever process is sending. Resume also starts a run in this
server's campaign manager, because a paused campaign has no sender left anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from wabroadcast.domain.models import CampaignState
from wabroadcast.domain.transitions import TransitionError, can_move
from wabroadcast.engine import cancel_campaign, pause_campaign, resume_campaign
from wabroadcast.engine.ab_test_summary import AbTestSummary, summarize
from wabroadcast.engine.activity import WAITING, Activity
from wabroadcast.engine.followup import retryable_count
from wabroadcast.engine.manager import CampaignManager, CampaignRefused
from wabroadcast.engine.retarget import RetargetRefused
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.endpoints import endpoint_counts
from wabroadcast.storage.retargets import retarget_of
from wabroadcast.storage.tables import AbTest, Campaign
from wabroadcast.web.api.campaigns import start_in_loop
from wabroadcast.web.auth import require_csrf
from wabroadcast.web.costs import campaign_cost, cost_view
from wabroadcast.web.events import EVENT_STREAM_HEADERS, change_stream
from wabroadcast.web.i18n import Translator
from wabroadcast.web.reasons import (
    api_error_text,
    campaign_error_text,
    campaign_note_text,
    failure_text,
)
from wabroadcast.web.views import queries, retarget_form
from wabroadcast.web.views.render import Panel, format_when
from wabroadcast.web.views.retarget_form import RetargetForm
from wabroadcast.web.views.send import sending_disabled

# An unknown send may still be settled by a status webhook for a while; the panel releases
# only those claimed longer ago than this (the CLI asks for --older-than explicitly).
UNKNOWN_RELEASE_AGE = timedelta(hours=24)

ACTIONS = {
    "pause": (pause_campaign, CampaignState.PAUSED),
    "resume": (resume_campaign, CampaignState.RUNNING),
    "cancel": (cancel_campaign, CampaignState.CANCELLED),
}


def allowed_actions(state: str) -> list[str]:
    """Buttons for a shown state; a `waiting` campaign is stored `running` (pause, cancel)."""
    if state == WAITING:
        state = CampaignState.RUNNING.value
    try:
        return [name for name, (_, target) in ACTIONS.items() if can_move(state, target)]
    except ValueError:
        return []


def funnel_steps(progress: queries.CampaignProgress) -> list[dict[str, Any]]:
    """Each step as a share of the selected sends (the top of the funnel is 100%)."""
    top = max(1, progress.selected)
    return [
        {
            "key": key,
            "count": progress.step(key),
            "percent": min(100, round(100 * progress.step(key) / top)),
        }
        for key in queries.FUNNEL_STEPS
    ]


NOT_RETRYABLE_YET = ("running", "waiting")
"""A campaign is retried once it has ended or paused (engine/followup.py refuses before)."""


def retry_label(progress: queries.CampaignProgress, retryable: int, t: Translator) -> str | None:
    """The Retry failed button's text, or None when the page shows no such button."""
    if not retryable or progress.state in NOT_RETRYABLE_YET:
        return None
    return t("campaign.action.retry_failed", count=t.number(retryable))


def snapshot(
    progress: queries.CampaignProgress, t: Translator, *, retryable: int = 0
) -> dict[str, Any]:
    """What the event stream sends: raw numbers, their formatted text and translated labels."""
    steps = funnel_steps(progress)
    return {
        "state": progress.state,
        "state_label": t("state." + progress.state),
        "state_help": t("state_help." + progress.state),
        "waiting_for": waiting_text(progress.waiting, t),
        "error": campaign_error_text(progress.error, t) if progress.error else None,
        "final": progress.state in queries.FINAL_STATES,
        "percent": progress.percent,
        "done": progress.done,
        "target": progress.target,
        "unknown": progress.unknown,
        "held_back": progress.held_back,
        "deferred": progress.deferred,
        "retried": progress.retried,
        "held": progress.held,
        "finished_at": format_when(progress.finished_at),
        "started_at": format_when(progress.started_at),
        "funnel": {step["key"]: step["count"] for step in steps},
        "funnel_percent": {step["key"]: step["percent"] for step in steps},
        "text": {
            "done": t.number(progress.done),
            "target": t.number(progress.target),
            "unknown": t.number(progress.unknown),
            "held_back": t.number(progress.held_back),
            "deferred": t.number(progress.deferred),
            "retried": t.number(progress.retried),
            "held": t.number(progress.held),
            "held_released": t.number(progress.held_released),
            "held_dropped": t.number(progress.held_dropped),
            "failed": t.number(progress.failed),
            "eligible": t.number(progress.eligible),
            "requested": t.number(progress.requested),
            **{step["key"]: t.number(step["count"]) for step in steps},
        },
        "failures": [
            {
                "reason": failure_text(f.reason, t),
                "stage": t("failure_stage." + f.stage),
                "count": t.number(f.count),
            }
            for f in progress.failures
        ],
        "actions": allowed_actions(progress.state),
        "retry_failed": retry_label(progress, retryable, t),
    }


def waiting_text(waiting: Activity | None, t: Translator) -> str | None:
    """Why a waiting campaign is not sent, in the page's language."""
    if waiting is None or waiting.reason is None:
        return None
    if waiting.reason == "busy" and waiting.by_campaign is None:
        return t("waiting.busy_unknown", number=waiting.phone_number_id, process=waiting.by_process)
    return t(
        "waiting." + waiting.reason,
        number=waiting.phone_number_id,
        campaign=waiting.by_campaign,
        process=waiting.by_process,
    )


def ab_test_of(session: Session, campaign: Campaign | None) -> AbTestSummary | None:
    """The A/B test a campaign belongs to, its variants side by side; None outside a test."""
    if campaign is None or campaign.ab_test_id is None:
        return None
    test = session.get(AbTest, campaign.ab_test_id)
    return summarize(session, test) if test is not None else None


def runs_here(request: Request) -> Callable[[int], bool]:
    """Whether this server is sending a campaign (engine/activity.py)."""
    campaigns: CampaignManager = request.app.state.campaigns
    return campaigns.running


def parse_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**63 else None


def routes(panel: Panel) -> APIRouter:
    router = APIRouter()

    def not_found(request: Request, raw: str) -> Response:
        t = panel.translator(request)
        return panel.error_page(request, 404, "error.not_found", t("campaign.not_found", id=raw))

    def render(
        request: Request,
        campaign_id: int,
        *,
        notice: str | None = None,
        status: int = 200,
        retarget: RetargetForm | None = None,
    ) -> Response:
        with panel.database.session() as session:
            campaign = session.get(Campaign, campaign_id, populate_existing=True)
            progress = queries.campaign_progress(session, campaign_id, runs_here(request))
            us = panel.settings.marketing_to_us
            retryable = retryable_count(session, campaign, marketing_to_us=us) if campaign else 0
            releasable = send_store.count_unknown(
                session, before=panel.clock.now() - UNKNOWN_RELEASE_AGE, campaign_id=campaign_id
            )
            endpoints = endpoint_counts(session, campaign_id)
            cost = campaign_cost(session, request.app.state.rate_card, campaign_id)
            choices = (  # only where the page shows the form
                retarget_form.template_choices(session, campaign)
                if campaign is not None and progress and retarget_form.shown(progress.state)
                else []
            )
            ab_test = ab_test_of(session, campaign)
        if campaign is None or progress is None:
            return not_found(request, str(campaign_id))
        t = panel.translator(request)
        done = request.query_params.get("done")
        flashes = []
        if done in ACTIONS:
            flashes.append(("ok", t("campaign.done." + done)))
        released = request.query_params.get("released", "")
        if released.isdigit() and len(released) < 19:
            flashes.append(("ok", t("campaign.released", count=t.number(int(released)))))
        if notice:
            flashes.append(("error", notice))
        return panel.page(
            request,
            "campaign.html",
            nav="campaigns",
            status_code=status,
            path=f"/campaigns/{campaign_id}",
            campaign=campaign,
            progress=progress,
            funnel=funnel_steps(progress),
            failures=[replace(f, reason=failure_text(f.reason, t)) for f in progress.failures],
            actions=allowed_actions(progress.state),
            waiting_for=waiting_text(progress.waiting, t),
            all_actions=list(ACTIONS),
            flashes=flashes,
            retry_label=retry_label(progress, retryable, t),
            releasable=releasable,
            endpoints=sorted(endpoints.items(), key=lambda item: (-item[1], item[0])),
            note=campaign_note_text(campaign.note, t) if campaign.note else None,
            cost=cost_view(cost, t),
            retarget_of=retarget_of(campaign),
            retarget_shown=retarget_form.shown(progress.state),
            retarget_form=retarget or RetargetForm(),
            retarget_templates=choices,
            retarget_when=retarget_form.WHEN_CHOICES,
            ab_test=ab_test,
        )

    @router.get("/campaigns/{raw_id}", response_class=HTMLResponse)
    def campaign_page(request: Request, raw_id: str) -> Response:
        campaign_id = parse_id(raw_id)
        if campaign_id is None:
            return not_found(request, raw_id)
        return render(request, campaign_id)

    @router.post("/campaigns/{raw_id}/retarget", dependencies=[Depends(require_csrf)])
    def retarget(
        request: Request,
        raw_id: str,
        template: str = Form(""),
        when: str = Form(""),
        after_days: str = Form(""),
        limit: str = Form(""),
    ) -> Response:
        """A retarget of this campaign (what `wabroadcast campaign retarget` creates); its page,
        or this page again with the form as typed and why nothing was created."""
        campaign_id = parse_id(raw_id)
        if campaign_id is None:
            return not_found(request, raw_id)
        values = {"template": template, "when": when, "after_days": after_days, "limit": limit}
        form = RetargetForm.from_values(values)
        t = panel.translator(request)
        disabled = sending_disabled(request, t)
        if disabled is not None:
            notice = t("send.disabled", reason=disabled)
            return render(request, campaign_id, notice=notice, status=409, retarget=form)
        manager: CampaignManager = request.app.state.campaigns
        refused: RetargetRefused | CampaignRefused | None = None
        new_id = 0
        with panel.database.session() as session:
            if session.get(Campaign, campaign_id) is None:
                return not_found(request, raw_id)
            try:
                new_id = manager.retarget_in(session, campaign_id, form.ask()).id
            except (RetargetRefused, CampaignRefused) as exc:
                session.rollback()
                refused = exc
        if refused is not None:
            code = refused.status if isinstance(refused, RetargetRefused) else 422
            notice = api_error_text(str(refused), t)
            return render(request, campaign_id, notice=notice, status=code, retarget=form)
        start_in_loop(request, new_id)
        return RedirectResponse(f"/campaigns/{new_id}", status_code=303)

    @router.post("/campaigns/{raw_id}/{action}", dependencies=[Depends(require_csrf)])
    def change_state(request: Request, raw_id: str, action: str) -> Response:
        campaign_id = parse_id(raw_id)
        if campaign_id is None or action not in ACTIONS:
            return not_found(request, raw_id)
        change, _ = ACTIONS[action]
        with panel.database.session() as session:
            if session.get(Campaign, campaign_id) is None:
                return not_found(request, raw_id)
            try:
                change(session, campaign_id, panel.clock)
            except TransitionError as exc:
                session.rollback()
                notice = api_error_text(str(exc), panel.translator(request))
                return render(request, campaign_id, notice=notice, status=409)
        if action == "resume":
            start_in_loop(request, campaign_id)
        return RedirectResponse(f"/campaigns/{campaign_id}?done={action}", status_code=303)

    @router.get("/campaigns/{raw_id}/events")
    async def campaign_events(request: Request, raw_id: str) -> Response:
        """text/event-stream of `progress` events (JSON) while the page is open."""
        campaign_id = parse_id(raw_id)
        if campaign_id is None:
            return not_found(request, raw_id)
        t = panel.translator(request)

        def read() -> dict[str, Any] | None:
            with panel.database.session() as session:
                progress = queries.campaign_progress(session, campaign_id, runs_here(request))
                if progress is None:
                    return None
                retryable = 0
                if progress.state not in NOT_RETRYABLE_YET:  # the button appears as it ends
                    campaign = session.get(Campaign, campaign_id)
                    us = panel.settings.marketing_to_us
                    retryable = (
                        retryable_count(session, campaign, marketing_to_us=us) if campaign else 0
                    )
            return snapshot(progress, t, retryable=retryable)

        async def load() -> dict[str, Any] | None:
            return await anyio.to_thread.run_sync(read)

        stream = change_stream(load, final=lambda snap: bool(snap.get("final")))
        return StreamingResponse(
            stream, media_type="text/event-stream", headers=EVENT_STREAM_HEADERS
        )

    return router
